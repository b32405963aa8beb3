import type { Cluster, Redis } from "ioredis";
import type { IndexHints } from "../codec.js";
import { RV_DUE_INDEX_KEY, RV_NAMES_INDEX_KEY } from "./rendezvous-keys.js";

/**
 * The rendezvous store's two global indexes, due (key -> a time no later than its earliest
 * deadline) and names (keys List shows), kept by the protocol of the lock store's indexes.ts:
 * after a script entries are only lowered or added; only `settle` (the sweep, List's clean-up)
 * raises or removes one, and then re-reads the key with the read-only probe script and lowers /
 * adds again what changed meanwhile, so no deadline or name is lost. (A copy of GlobalIndexes
 * with these index keys; that class has its keys fixed.)
 */
export class RendezvousIndexes {
  constructor(private readonly client: Redis | Cluster) {}

  /**
   * Applies what a mutating script reported. Awaited by the caller: on a cluster the indexes live
   * on other nodes, and a List right after the call must see the key.
   */
  async note(key: string, hints: IndexHints): Promise<void> {
    const writes: Promise<unknown>[] = [];
    if (hints.lower && hints.due !== false) writes.push(this.client.zadd(RV_DUE_INDEX_KEY, "LT", hints.due, key));
    if (hints.created) writes.push(this.client.zadd(RV_NAMES_INDEX_KEY, 0, key));
    await Promise.all(writes);
  }

  /** Sets both entries of a key to what `hints` says, then re-reads it with `probe` and lowers / adds again. */
  async settle(key: string, hints: IndexHints, probe: () => Promise<IndexHints>): Promise<void> {
    if (hints.due === false) await this.client.zrem(RV_DUE_INDEX_KEY, key);
    else await this.client.zadd(RV_DUE_INDEX_KEY, hints.due, key);
    if (!hints.exists) await this.client.zrem(RV_NAMES_INDEX_KEY, key);
    const now = await probe();
    if (now.due !== false && (hints.due === false || now.due < hints.due)) await this.client.zadd(RV_DUE_INDEX_KEY, "LT", now.due, key);
    if (now.exists) await this.client.zadd(RV_NAMES_INDEX_KEY, 0, key);
  }

  /** Up to `count` keys of the names index after `cursor` (a ZRANGEBYLEX bound) and up to `max`. */
  names(cursor: string, max: string, count: number): Promise<string[]> {
    return this.client.zrangebylex(RV_NAMES_INDEX_KEY, cursor, max, "LIMIT", 0, count);
  }
}
