/**
 * The server's configuration: one schema (config/schema.ts) gives the YAML keys, the flags, the
 * BATON_* variables, `baton serve --help` and docs/configuration.md. config/README.md explains the
 * parts and how to add a setting.
 */
import { buildConfig } from "./config/build.js";
import type { Config } from "./config/schema.js";

export { buildConfig } from "./config/build.js";
export { ConfigError } from "./config/issues.js";
export { configSchema, type Config } from "./config/schema.js";
export { FlagError, settingsFromArgs, settingsFromEnv, settingsFromFile, type RawSettings } from "./config/sources.js";

/** The defaults: what `baton serve` runs with when nothing is said. */
export const DEFAULT_CONFIG: Config = buildConfig({}, {}, {});
