import type { LeaseRecord, LockSnapshot } from "../store/types.js";
import type { LockEngine } from "./lock-engine.js";
import type { AcquireParams } from "./policy.js";
import { checkName } from "./validate.js";

/** An election's leader as everyone may see it (no token). */
export interface LeaderView {
  name: string;
  owner: string;
  value: string;
  /** The leader's fencing token: strictly increasing with every new leader. */
  term: bigint;
  electedAtMs: number;
  /** 0 when the lease never expires. */
  expiresAtMs: number;
}

/** A campaign: who runs, with what value, for how long a lease, waiting how long. */
export type CampaignParams = Pick<AcquireParams, "name" | "owner" | "value" | "ttlMs" | "waitUpToMs">;

/**
 * Leader election on top of the lock queue (etcd's v3election, Baton-style): an election is the
 * lock of the same name with limit 1, a candidate is a waiter that carries a value, the holder is
 * the leader and its fencing token the term. Leadership ends as every lease does (resign,
 * expiry, its session or stream dying), and the store hands it to the next candidate in the same
 * step; observers see the change from the store's events.
 */
export class Elections {
  constructor(private readonly engine: LockEngine) {}

  /** Waits (as `waitUpToMs` says) to become leader; the lease's token is the leader key. */
  campaign(params: CampaignParams, signal: AbortSignal): Promise<LeaseRecord> {
    return this.engine.acquire({ ...params, limit: 1 }, signal);
  }

  /** Publishes a new value as leader; `not_held` when the token no longer leads. */
  async proclaim(name: string, token: string, value: string): Promise<LeaderView> {
    return leaderOf(await this.engine.proclaim(name, token, value));
  }

  /** Gives up leadership (the next candidate leads at once); returns the term that ended. */
  async resign(name: string, token: string): Promise<bigint> {
    return (await this.engine.release(name, token)).fencing;
  }

  /** The current leader, or undefined. */
  async leader(name: string): Promise<LeaderView | undefined> {
    return leaderIn(await this.engine.describe(name));
  }

  /**
   * The leader now, then every change of leader, term or value, until `signal` aborts or the
   * server shuts down. Undefined means nobody leads. Snapshots arrive in store order; one that
   * shows an older term than already reported is stale and skipped.
   */
  async *observe(name: string, signal: AbortSignal): AsyncGenerator<LeaderView | undefined> {
    // An empty name would make the watch below follow every lock.
    checkName(name);
    let last: LeaderView | undefined;
    let first = true;
    let highestTerm = 0n;
    for await (const event of this.engine.watch({ name, prefix: "", initial: true }, signal)) {
      const now = leaderIn(event.lock);
      if (now !== undefined && now.term < highestTerm) continue;
      if (!first && same(last, now)) continue;
      first = false;
      last = now;
      if (now !== undefined) highestTerm = now.term;
      yield now;
    }
  }
}

/** The leader of a lock's state: its oldest holder (the only one, with limit 1). */
export function leaderIn(lock: LockSnapshot): LeaderView | undefined {
  const lease = lock.holders[0];
  return lease === undefined ? undefined : leaderOf(lease);
}

/** A lease as a leader. */
export function leaderOf(lease: LeaseRecord): LeaderView {
  return { name: lease.name, owner: lease.owner, value: lease.value, term: lease.fencing, electedAtMs: lease.acquiredAtMs, expiresAtMs: lease.expiresAtMs };
}

function same(a: LeaderView | undefined, b: LeaderView | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.term === b.term && a.value === b.value && a.owner === b.owner;
}
