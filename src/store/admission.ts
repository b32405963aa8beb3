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

/** Whether `claim` can be granted beside `holders` on a lock with `limit` permits. */
export function fits(holders: Iterable<Claim>, limit: number, claim: Claim): boolean {
  let used = 0;
  let sharedHeld = false;
  for (const holder of holders) {
    if (holder.shared) sharedHeld = true;
    else used += holder.permits;
  }
  if (claim.shared) return used === 0;
  return !sharedHeld && used + claim.permits <= limit;
}

/** The permits a request takes: 0 in shared mode, else as asked (default 1). */
export function permitsOf(shared: boolean | undefined, permits: number | undefined): number {
  return shared === true ? 0 : permits ?? 1;
}

/** Exclusive permits in use by `holders`. */
export function permitsInUse(holders: Iterable<Claim>): number {
  let used = 0;
  for (const holder of holders) if (!holder.shared) used += holder.permits;
  return used;
}
