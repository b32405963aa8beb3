import { buildConfig, FlagError, settingsFromArgs, settingsFromEnv, settingsFromFile } from "../config.js";
import { serveUsage } from "../config/help.js";
import { CONFIG_FILE } from "../config/names.js";
import { buildApp } from "../server/app.js";
import { openServerWarning } from "../server/auth/open-warning.js";
import { reloadConfig } from "./reload.js";
import { UsageError, type Command } from "./command.js";
import { isDurableSpec, parseDurableSpec } from "../store/durable/spec.js";

/** The store as the start line names it: where a durable store's data lives, never a Redis password. */
function describeStore(store: string): string {
  if (store === "memory") return "memory";
  if (!isDurableSpec(store)) return "redis";
  const { dataDir, durability } = parseDurableSpec(store);
  return `durable, data in ${dataDir}, durability ${durability}`;
}

/** `baton serve`: the process entry point; composition lives in server/app.ts. */
export const serveCommand: Command = {
  name: "serve",
  summary: "run the Baton server",
  usage: serveUsage(),
  async run(args) {
    let flags;
    try {
      flags = settingsFromArgs(args);
    } catch (error) {
      throw error instanceof FlagError ? new UsageError(error.message) : error;
    }
    const warn = (message: string): void => void process.stderr.write(message + "\n");
    const file = flags.configFile ?? process.env[CONFIG_FILE.env];
    const load = () => buildConfig(file ? settingsFromFile(file, warn) : {}, settingsFromEnv(process.env, warn), flags.settings);
    const config = load();
    const app = await buildApp(config);
    const url = await app.listen();
    process.stderr.write(`baton: serving on ${url} (store: ${describeStore(config.store)})\n`);
    // --- security: open-server warning and SIGHUP reload (docs/security.md) ---
    const open = openServerWarning(config.host, config.keys.length, config.tlsClientCa !== "");
    if (open !== undefined) warn(open);
    process.on("SIGHUP", () => reloadConfig(app, load, warn));
    // --- end security ---
    // Operations: where Prometheus scrapes (docs/operations.md).
    if (app.metrics !== undefined) process.stderr.write(`baton: metrics on ${app.metrics.url ?? url}/metrics\n`);
    return new Promise<number>((resolve) => {
      const stop = (signal: string): void => {
        process.stderr.write(`baton: ${signal} received, shutting down\n`);
        app.close().then(
          () => resolve(0),
          (error: unknown) => {
            process.stderr.write(`baton: shutdown failed: ${String(error)}\n`);
            resolve(1);
          },
        );
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  },
};
