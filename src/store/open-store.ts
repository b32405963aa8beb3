import type { Store } from "./types.js";
import { MemoryStore } from "./memory/memory-store.js";

/** Opens the store a config names: "memory", or a redis:// URL. */
export async function openStore(url: string): Promise<Store> {
  if (url === "memory") return new MemoryStore();
  throw new Error(`store ${url}: the Redis store is not part of this build yet; use --store memory`);
}
