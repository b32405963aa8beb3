import type { Store } from "./types.js";
import { MemoryStore } from "./memory/memory-store.js";
import { RedisStore } from "./redis/redis-store.js";

/** Opens the store a config names: "memory", or a redis:// / rediss:// URL (see store/redis/README.md). */
export async function openStore(url: string, log?: (message: string) => void): Promise<Store> {
  if (url === "memory") return new MemoryStore();
  if (/^rediss?:\/\//.test(url)) return RedisStore.open(url, log);
  throw new Error(`store ${url}: expected "memory" or a redis:// URL`);
}
