import { resolve } from "node:path";
import type { Durability } from "./database.js";
import type { DurableSpec } from "./shared-handle.js";

/** Default data dir, relative to the working directory. */
export const DEFAULT_DATA_DIR = "./baton-data";

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
  let durability: Durability = "full";
  const q = rest.lastIndexOf("?");
  if (q !== -1) {
    const param = rest.slice(q + 1);
    rest = rest.slice(0, q);
    const m = /^durability=(full|relaxed)$/.exec(param);
    if (m === null) throw new Error(`store ${store}: expected ?durability=full or ?durability=relaxed`);
    durability = m[1] as Durability;
  }
  if (rest === "") throw new Error(`store ${store}: no data dir after "durable:"`);
  return { dataDir: resolve(decodeURI(rest)), durability };
}
