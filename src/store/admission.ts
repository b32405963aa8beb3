/**
 * The one admission rule of every store (memory, durable, and its Lua twin in
 * redis/lua/includes/lock.lua): which request fits beside the current holders.
 *
 * Exclusive holders take `permits` of the lock's `limit`; shared (reader) holders take none but
 * never sit beside an exclusive holder. The queue is strictly FIFO: a newcomer is granted at once
 * only when nobody waits, and a hand-off stops at the first waiter that does not fit, so a large
 * request or a writer blocks those behind it and is never starved.
 */

/** What a holder holds, or a request asks for. */
export interface Claim {
  shared: boolean;
  permits: number;
}

/**
 * What a lock's holders use: exclusive permits and shared holders. Counted once from the
 * holders, then kept up to date through a hand-off, so granting n waiters costs O(holders + n).
 */
export class Usage {
  private constructor(
    private used: number,
    private readers: number,
  ) {}

  /** The usage of `holders`. */
  static of(holders: Iterable<Claim>): Usage {
    const usage = new Usage(0, 0);
    for (const holder of holders) usage.add(holder);
    return usage;
  }

  /** Whether `claim` can be granted beside these holders on a lock with `limit` permits. */
  fits(limit: number, claim: Claim): boolean {
    if (claim.shared) return this.used === 0;
    return this.readers === 0 && this.used + claim.permits <= limit;
  }

  /** Counts a new holder in. */
  add(claim: Claim): void {
    if (claim.shared) this.readers++;
    else this.used += claim.permits;
  }
}

/** Whether `claim` can be granted beside `holders` on a lock with `limit` permits. */
export function fits(holders: Iterable<Claim>, limit: number, claim: Claim): boolean {
  return Usage.of(holders).fits(limit, claim);
}

/** The permits a request takes: 0 in shared mode, else as asked (default 1). */
export function permitsOf(shared: boolean | undefined, permits: number | undefined): number {
  return shared === true ? 0 : permits ?? 1;
}
