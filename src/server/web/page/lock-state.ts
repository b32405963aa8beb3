import type { Lock, WatchResponse } from "../../../gen/baton/lock/v1/lock_pb.js";

/** Totals over the locks the page holds. */
export interface LockTotals {
  locks: number;
  holders: number;
  waiters: number;
}

/** Names in natural order: jobs/2 before jobs/10. */
const byName = new Intl.Collator("en", { numeric: true }).compare;

/**
 * The locks the page knows, from the Watch stream: every lock that is held, waited for or
 * reserved (an idle lock is dropped, as the server forgets it). Names are sorted lazily, only
 * when a name came or went, so 10,000 locks cost one sort per frame at most.
 */
export class LockState {
  private readonly locks = new Map<string, Lock>();
  private names: string[] = [];
  private namesStale = false;
  private totalsCache: LockTotals | undefined;
  private readonly listeners = new Set<(name: string) => void>();

  /** Forgets everything (the stream is reopened). */
  clear(): void {
    this.locks.clear();
    this.names = [];
    this.namesStale = false;
    this.totalsCache = undefined;
  }

  /** Applies one Watch event. */
  apply(event: WatchResponse): void {
    const lock = event.lock;
    if (lock === undefined) return;
    const idle = lock.holders.length === 0 && lock.waiters.length === 0 && !lock.reserved;
    const had = this.locks.has(lock.name);
    if (idle) this.locks.delete(lock.name);
    else this.locks.set(lock.name, lock);
    if (had === idle) this.namesStale = true;
    this.totalsCache = undefined;
    for (const listener of this.listeners) listener(lock.name);
  }

  /** Calls `listener` with the name of every lock that changes. */
  onChange(listener: (name: string) => void): void {
    this.listeners.add(listener);
  }

  /** A lock by name; undefined when it is free. */
  get(name: string): Lock | undefined {
    return this.locks.get(name);
  }

  /** Every known name, sorted. */
  sortedNames(): readonly string[] {
    if (this.namesStale || this.names.length !== this.locks.size) {
      this.names = [...this.locks.keys()].sort(byName);
      this.namesStale = false;
    }
    return this.names;
  }

  /** How many locks, holders and waiters. */
  totals(): LockTotals {
    if (this.totalsCache !== undefined) return this.totalsCache;
    let holders = 0;
    let waiters = 0;
    for (const lock of this.locks.values()) {
      holders += lock.holders.length;
      waiters += lock.waiters.length;
    }
    this.totalsCache = { locks: this.locks.size, holders, waiters };
    return this.totalsCache;
  }
}
