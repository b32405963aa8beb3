import { buildApp, type App, type AppParts } from "../../src/server/app.js";
import { DEFAULT_CONFIG, type Config } from "../../src/config.js";
import { createLogger } from "../../src/server/logging/logger.js";

/** A Baton server built in process on a free port, for tests over real sockets. */
export interface TestServer {
  app: App;
  url: string;
  /** Everything the server logged in free text. */
  logs: string[];
  /** The structured log's JSON lines (failed calls, security events, the access log). */
  jsonLogs: string[];
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 and a free port, built by `buildApp` as `baton serve` builds it;
 * `overrides` change the default config. The store is memory unless an override names one: test
 * servers must not share `./baton-data`. Every in-process test server comes from here.
 */
export async function startServer(overrides: Partial<Config> = {}, parts: AppParts = {}): Promise<TestServer> {
  const config: Config = { ...DEFAULT_CONFIG, store: "memory", port: 0, shutdownGraceMs: 500, ...overrides };
  const logs: string[] = [];
  const jsonLogs: string[] = [];
  const logger = parts.logger ?? createLogger(config.logLevel, { write: (line: string) => void jsonLogs.push(line) });
  const app = await buildApp(config, (m) => logs.push(m), { ...parts, logger });
  const url = await app.listen();
  return { app, url, logs, jsonLogs, close: () => app.close() };
}
