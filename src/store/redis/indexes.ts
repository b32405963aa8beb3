import type { Cluster, Redis } from "ioredis";
import { DUE_INDEX_KEY, NAMES_INDEX_KEY } from "./keys.js";
import type { IndexHints } from "./codec.js";

/**
 * The two global indexes: due (lock name -> a time no later than its earliest deadline) and
 * names (locks that exist, for List). They live outside the locks' slots, so a script cannot
 * update them; the client does, after the script, with this protocol:
 *
 * - After any script, entries are only ever *lowered* or *added* (`ZADD LT`, `ZADD`): a stale
 *   due entry is then early, never late, and a stale name is filtered out by List. The lock
 *   store's scripts ask for a write only when the lock's index marks (lua/includes/lock.lua) do
 *   not already promise an entry at least that early, and a name only when it is not marked
 *   listed; the mark is set by the script, before the write it asks for lands.
 * - A name is removed only after a script in the lock's slot found the lock gone and cleared its
 *   "listed" mark (expire.lua), so a lock created after that lists itself again.
 * - Only `settle` (the sweeper, List's clean-up) *raises* or *removes* an entry, and it then
 *   re-reads the lock with a read-only probe and lowers / adds again what the probe shows.
 *   Scripts run one at a time, so any script that ran before the probe is seen by it, and any
 *   that ran after it issues its own lowering after our raise (the probe resets the marks to
 *   what it found, and we write that): no deadline or name is lost.
 *
 * Left: a Baton instance that dies between a script and its index update. Heartbeats and
 * refreshes re-index their lock every time, so only a lease that is neither refreshed nor waited
 * for can miss its sweep; it then expires when the lock is next touched.
 */
export class GlobalIndexes {
  /** `keys` names the two index keys: the lock store's by default, the rendezvous store's its own. */
  constructor(
    private readonly client: Redis | Cluster,
    private readonly keys: { due: string; names: string } = { due: DUE_INDEX_KEY, names: NAMES_INDEX_KEY },
  ) {}

  /**
   * Applies what a mutating script reported. The lock store does not wait for it (a stale entry
   * is only early); the rendezvous store does, so that a List right after the call sees the key.
   */
  async note(name: string, hints: IndexHints): Promise<void> {
    const writes: Promise<unknown>[] = [];
    if (hints.lower && hints.due !== false) writes.push(this.client.zadd(this.keys.due, "LT", hints.due, name));
    if (hints.created) writes.push(this.client.zadd(this.keys.names, 0, name));
    await Promise.all(writes);
  }

  /**
   * Sets both entries of a lock to what `hints` says (raising or removing), then re-reads the
   * lock with `probe` and lowers / adds again whatever changed meanwhile.
   */
  async settle(name: string, hints: IndexHints, probe: () => Promise<IndexHints>): Promise<void> {
    if (hints.due === false) await this.client.zrem(this.keys.due, name);
    else await this.client.zadd(this.keys.due, hints.due, name);
    if (!hints.exists) await this.client.zrem(this.keys.names, name);
    const now = await probe();
    // `lower` from a probe: it marked the lock as indexed at that deadline, so write it whatever
    // we raised to (the lock store's marks, lua/probe.lua); otherwise only what moved earlier.
    if (now.due !== false && (now.lower || hints.due === false || now.due < hints.due)) await this.client.zadd(this.keys.due, "LT", now.due, name);
    if (now.exists) await this.client.zadd(this.keys.names, 0, name);
  }

  /** Up to `count` names of the names index after `cursor` (a ZRANGEBYLEX bound) and up to `max`. */
  names(cursor: string, max: string, count: number): Promise<string[]> {
    return this.client.zrangebylex(this.keys.names, cursor, max, "LIMIT", 0, count);
  }
}
