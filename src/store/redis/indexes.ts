import type { Cluster, Redis } from "ioredis";
import { DUE_INDEX_KEY, NAMES_INDEX_KEY } from "./keys.js";
import type { IndexHints } from "./codec.js";

/**
 * The two global indexes: due (lock name -> a time no later than its earliest deadline) and
 * names (locks that exist, for List). They live outside the locks' slots, so a script cannot
 * update them; the client does, after the script, with this protocol:
 *
 * - After any script, entries are only ever *lowered* or *added* (`ZADD LT`, `ZADD`): a stale
 *   due entry is then early, never late, and a stale name is filtered out by List.
 * - Only `settle` (the sweeper, List's clean-up) *raises* or *removes* an entry, and it then
 *   re-reads the lock with a read-only probe and lowers / adds again what the probe shows.
 *   Scripts run one at a time, so any script that ran before the probe is seen by it, and any
 *   that ran after it issues its own lowering after our raise: no deadline or name is lost.
 *
 * Left: a Baton instance that dies between a script and its index update. Heartbeats and
 * refreshes re-index their lock every time, so only a lease that is neither refreshed nor waited
 * for can miss its sweep; it then expires when the lock is next touched.
 */
export class GlobalIndexes {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Applies what a mutating script reported; does not wait, errors go to onError. */
  note(name: string, hints: IndexHints): void {
    if (hints.lower && hints.due !== false) this.client.zadd(DUE_INDEX_KEY, "LT", hints.due, name).catch(this.onError);
    if (hints.created) this.client.zadd(NAMES_INDEX_KEY, 0, name).catch(this.onError);
  }

  /**
   * Sets both entries of a lock to what `hints` says (raising or removing), then re-reads the
   * lock with `probe` and lowers / adds again whatever changed meanwhile.
   */
  async settle(name: string, hints: IndexHints, probe: () => Promise<IndexHints>): Promise<void> {
    if (hints.due === false) await this.client.zrem(DUE_INDEX_KEY, name);
    else await this.client.zadd(DUE_INDEX_KEY, hints.due, name);
    if (!hints.exists) await this.client.zrem(NAMES_INDEX_KEY, name);
    const now = await probe();
    if (now.due !== false && (hints.due === false || now.due < hints.due)) await this.client.zadd(DUE_INDEX_KEY, "LT", now.due, name);
    if (now.exists) await this.client.zadd(NAMES_INDEX_KEY, 0, name);
  }

  /** Up to `count` names of the names index after `cursor` (a ZRANGEBYLEX bound) and up to `max`. */
  names(cursor: string, max: string, count: number): Promise<string[]> {
    return this.client.zrangebylex(NAMES_INDEX_KEY, cursor, max, "LIMIT", 0, count);
  }
}
