import type { TimedOutKey } from "../rendezvous.js";

/** How long and how many timed-out keys the memory store remembers for List. */
export interface RecentTimeoutOptions {
  windowMs: number;
  maxKeys: number;
}

/**
 * The keys whose waits timed out recently: the latest timeout per key, forgotten after a window
 * and capped in number (oldest first out), so a flood of distinct keys cannot grow memory.
 */
export class RecentTimeouts {
  // Map order is recency order: a key that times out again moves to the end.
  private readonly byKey = new Map<string, TimedOutKey>();

  constructor(
    private readonly options: RecentTimeoutOptions,
    private readonly nowMs: () => number,
  ) {}

  /** Remembers one timed-out wait. */
  record(key: string, owner: string, waitedMs: number): void {
    const now = this.nowMs();
    const previous = this.byKey.get(key);
    const recent = previous !== undefined && previous.atMs >= now - this.options.windowMs;
    this.byKey.delete(key);
    this.byKey.set(key, { key, atMs: now, waitedMs, owner, count: recent ? previous.count + 1 : 1 });
    this.prune();
  }

  /** Timeouts within the window for keys with this prefix, by key. */
  list(prefix: string, limit: number): TimedOutKey[] {
    this.prune();
    return [...this.byKey.values()]
      .filter((t) => t.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, limit)
      .map((t) => ({ ...t }));
  }

  private prune(): void {
    const cutoff = this.nowMs() - this.options.windowMs;
    for (const [key, entry] of this.byKey) {
      if (entry.atMs >= cutoff && this.byKey.size <= this.options.maxKeys) break;
      this.byKey.delete(key);
    }
  }
}
