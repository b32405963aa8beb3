import { resolve } from "node:path";
import { ConfigError, parseOrThrow } from "../../config/issues.js";
import { oneOf } from "../../config/kinds.js";
import { field, section } from "../../config/meta.js";
import type { Durability } from "./database.js";
import type { DurableSpec } from "./shared-handle.js";

/** Default data dir, relative to the working directory. */
export const DEFAULT_DATA_DIR = "./baton-data";

/** The durabilities, strongest first. */
export const DURABILITIES = ["full", "relaxed"] as const satisfies readonly Durability[];

/** The options a `durable:` spec may carry after `?`; the docs list them. */
export const durableSpecOptionFields = {
  durability: field(oneOf(DURABILITIES), { doc: "full: answer after fsync; relaxed: answer once the OS has the write" }, "full"),
};

const optionsSchema = section(durableSpecOptionFields, { doc: "options of a durable: store spec" });

/**
 * The store setting of the durable store, as the config resolves it: `durable:<absolute dir>`
 * with an optional `?durability=full|relaxed` (full when absent). `durable` alone means the
 * default dir with full durability.
 */
export function isDurableSpec(store: string): boolean {
  return store === "durable" || store.startsWith("durable:");
}

/** The spec for a data dir and durability. */
export function formatDurableSpec(dataDir: string, durability: Durability): string {
  return `durable:${encodeURI(resolve(dataDir))}?durability=${durability}`;
}

/** Parses a `durable` / `durable:…` store setting; throws an Error naming what is wrong. */
export function parseDurableSpec(store: string): DurableSpec {
  if (store === "durable") return { dataDir: resolve(DEFAULT_DATA_DIR), durability: "full" };
  let rest = store.slice("durable:".length);
  let query = "";
  const q = rest.lastIndexOf("?");
  if (q !== -1) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (rest === "") throw new ConfigError([`store: no data dir after "durable:" in ${store}`]);
  let dataDir: string;
  try {
    dataDir = resolve(decodeURI(rest));
  } catch {
    throw new ConfigError([`store: the data dir of ${store} is not a valid encoded path`]);
  }
  const options = parseOrThrow(optionsSchema, Object.fromEntries(new URLSearchParams(query)), { noun: "option", prefix: "store: " });
  return { dataDir, durability: options.durability };
}
