/**
 * Fencing counters for the in-memory store.
 *
 * A process that restarts has lost its counters, yet a fencing token must never be reused. Every
 * token is therefore at least `wall-clock ms × 1000`: no lock is granted 1000 times in one
 * millisecond, so a counter never runs ahead of that floor by a whole millisecond, and a fresh
 * process (or a lock forgotten and recreated) starts above every token issued before it. The one
 * assumption is a wall clock that does not step back across a restart; the Redis store keeps
 * real counters instead.
 */
export class FencingCounters {
  private readonly last = new Map<string, bigint>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** Issues the next token for `name`: strictly greater than every token it issued before. */
  next(name: string): bigint {
    const floor = this.floor();
    const prev = this.last.get(name) ?? 0n;
    const token = prev + 1n > floor ? prev + 1n : floor;
    this.last.set(name, token);
    return token;
  }

  /** The last token issued for `name`, 0n when none is remembered. */
  peek(name: string): bigint {
    return this.last.get(name) ?? 0n;
  }

  /**
   * Drops the counter of an idle lock once the time floor alone keeps the next token above it,
   * so memory does not grow with every name ever used. Returns whether it was dropped.
   */
  forget(name: string): boolean {
    const prev = this.last.get(name);
    if (prev !== undefined && prev >= this.floor()) return false;
    this.last.delete(name);
    return true;
  }

  private floor(): bigint {
    return BigInt(Math.floor(this.nowMs())) * 1000n;
  }
}
