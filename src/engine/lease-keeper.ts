import type { LeaseRecord, Store } from "../store/types.js";

/** What a kept lease's holder (a hold stream, a session) hears about it. */
export interface KeptLease {
  /** The lease as last extended. */
  readonly lease: LeaseRecord;
  /** Takes note of an extension made by the holder itself (a client's refresh). */
  update(lease: LeaseRecord): void;
  /** Stops keeping the lease (it was released, or handed to another keeper). */
  stop(): void;
}

interface Entry {
  lease: LeaseRecord;
  dueAtMs: number;
  onLost: (reason: string) => void;
  inFlight: boolean;
}

/**
 * The server-side keeper of every lease a stream or a session holds: one timer for all of them
 * (not one per lease), each lease refreshed a third of its TTL after its last grant or refresh.
 * A lease the store no longer holds, or whose deadline passes while the store is unreachable, is
 * reported lost to its holder once; so is one that the store reports released or expired by
 * anyone else (`onStoreEvent`).
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;

  constructor(private readonly store: Store) {}

  /** How many leases are kept. */
  get size(): number {
    return this.held.size;
  }

  /** Starts keeping `lease` alive; `onLost` is called once if it is lost. */
  keep(lease: LeaseRecord, onLost: (reason: string) => void): KeptLease {
    const entry: Entry = { lease, dueAtMs: dueAt(lease), onLost, inFlight: false };
    this.held.set(lease.token, entry);
    this.schedule(entry.dueAtMs);
    return {
      get lease() {
        return entry.lease;
      },
      update: (next) => {
        if (this.held.get(next.token) !== entry) return;
        entry.lease = next;
        entry.dueAtMs = dueAt(next);
        this.schedule(entry.dueAtMs);
      },
      stop: () => {
        if (this.held.get(lease.token) === entry) this.held.delete(lease.token);
      },
    };
  }

  /** The store reported a lease released or expired: its keeper, if any, lost it. */
  lost(token: string, reason: string): void {
    const entry = this.held.get(token);
    if (entry === undefined) return;
    this.held.delete(token);
    entry.onLost(reason);
  }

  /** Stops every timer (shutdown); holders release what they hold themselves. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held.clear();
  }

  private schedule(atMs: number): void {
    if (atMs === Number.POSITIVE_INFINITY) return;
    // Keep the timer if it fires early enough; re-arming on every grant would cost a timer each.
    if (this.timer !== undefined && this.timerAtMs <= atMs) return;
    clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, atMs - Date.now()));
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due: Entry[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.held.values()) {
      if (entry.inFlight) continue;
      if (entry.dueAtMs <= now) due.push(entry);
      else next = Math.min(next, entry.dueAtMs);
    }
    this.schedule(next);
    await Promise.all(due.map((entry) => this.refresh(entry)));
  }

  private async refresh(entry: Entry): Promise<void> {
    const { token, name } = entry.lease;
    entry.inFlight = true;
    try {
      const result = await this.store.refresh(name, token);
      if (this.held.get(token) !== entry) return;
      if (result.kind === "not_held") return this.lost(token, "the lease expired or was released by someone else");
      entry.lease = result.lease;
      entry.dueAtMs = dueAt(result.lease);
    } catch (error) {
      if (this.held.get(token) !== entry) return;
      if (entry.lease.expiresAtMs !== 0 && Date.now() >= entry.lease.expiresAtMs) {
        return this.lost(token, `the store was unreachable until the lease expired (${error instanceof Error ? error.message : String(error)})`);
      }
      // Retry soon: the lease may well still be ours.
      entry.dueAtMs = Date.now() + Math.max(10, Math.min(1000, Math.floor(entry.lease.ttlMs / 10)));
    } finally {
      entry.inFlight = false;
    }
    this.schedule(entry.dueAtMs);
  }
}

/** When a lease should next be refreshed: a third of its TTL from its last extension; never for TTL 0. */
function dueAt(lease: LeaseRecord): number {
  if (lease.ttlMs === 0) return Number.POSITIVE_INFINITY;
  return Date.now() + Math.max(10, Math.floor(lease.ttlMs / 3));
}
