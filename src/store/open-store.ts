import type { Store } from "./types.js";
import { MemoryStore } from "./memory/memory-store.js";
import { RedisStore } from "./redis/redis-store.js";
import { DurableStore } from "./durable/durable-store.js";
import { acquireHandle } from "./durable/shared-handle.js";
import { isDurableSpec, parseDurableSpec } from "./durable/spec.js";

/**
 * Opens the store a config names: "memory", "durable" / "durable:DIR?durability=…" (an LMDB
 * database in a data dir, see store/durable/README.md), or a redis:// / rediss:// URL (see
 * store/redis/README.md).
 */
export async function openStore(url: string, log: (message: string) => void = () => {}): Promise<Store> {
  if (url === "memory") return new MemoryStore();
  if (isDurableSpec(url)) return new DurableStore(acquireHandle(parseDurableSpec(url), log));
  if (/^rediss?:\/\//.test(url)) return RedisStore.open(url, log);
  throw new Error(`store ${url}: expected "memory", "durable" or a redis:// URL`);
}
