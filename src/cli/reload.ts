import type { Config } from "../config.js";
import type { App } from "../server/app.js";

/**
 * SIGHUP: reads the config again (file, environment, flags) and applies what may change while
 * serving: the keys (a removed key stops working with its next call) and the TLS certificate and
 * key. A config that does not load changes nothing; the server keeps its current one.
 */
export function reloadConfig(app: App, load: () => Config, warn: (message: string) => void): void {
  let next: Config;
  try {
    next = load();
  } catch (error) {
    warn(`baton: SIGHUP: the config did not load, nothing changed: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  try {
    app.reload(next);
    warn(`baton: SIGHUP: config reloaded (${next.keys.length} keys)`);
  } catch (error) {
    warn(`baton: SIGHUP: the new config could not be applied, nothing changed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
