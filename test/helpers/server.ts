import { buildApp, type App } from "../../src/server/app.js";
import { DEFAULT_CONFIG, type Config } from "../../src/config.js";

/** A Baton server built in process on a free port, for tests over real sockets. */
export interface TestServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 and a free port; `overrides` change the default config. The store
 * is memory unless an override names one: test servers must not share `./baton-data`.
 */
export async function startServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const config: Config = { ...DEFAULT_CONFIG, store: "memory", port: 0, shutdownGraceMs: 500, ...overrides };
  const logs: string[] = [];
  const app = await buildApp(config, (m) => logs.push(m));
  const url = await app.listen();
  return { app, url, close: () => app.close() };
}
