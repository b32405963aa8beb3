import type { LeaseRecord, Store } from "../store/types.js";

/** A lease a session holds, with the acquire request it answered and when it is next refreshed. */
interface Held {
  id: bigint;
  lease: LeaseRecord;
  dueAtMs: number;
}

/**
 * The leases of one session, kept alive by one timer for all of them (not one per lease): each
 * lease is refreshed a third of its TTL after its last grant or refresh. A lease the store no
 * longer holds, or one whose deadline passes while the store is unreachable, is reported lost.
 */
export class SessionLeases {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly onLost: (id: bigint, token: string, reason: string) => void,
  ) {}

  /** How many leases the session holds. */
  get size(): number {
    return this.held.size;
  }

  /** Starts keeping `lease` (granted to request `id`) alive. */
  add(id: bigint, lease: LeaseRecord): void {
    this.held.set(lease.token, { id, lease, dueAtMs: dueAt(lease) });
    this.schedule();
  }

  /** Takes note of a refresh made by the client. */
  update(lease: LeaseRecord): void {
    const entry = this.held.get(lease.token);
    if (entry === undefined) return;
    entry.lease = lease;
    entry.dueAtMs = dueAt(lease);
    this.schedule();
  }

  /** Whether the session keeps this lease. */
  has(token: string): boolean {
    return this.held.has(token);
  }

  /** Stops keeping a lease; returns whether the session held it. */
  forget(token: string): boolean {
    return this.held.delete(token);
  }

  /** Stops refreshing (the session ended); the leases stay listed for `drain`. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stops refreshing and hands over every lease, e.g. to release them. */
  drain(): LeaseRecord[] {
    this.stop();
    const leases = [...this.held.values()].map((h) => h.lease);
    this.held.clear();
    return leases;
  }

  private schedule(): void {
    if (this.stopped) return;
    let next = Number.POSITIVE_INFINITY;
    for (const h of this.held.values()) next = Math.min(next, h.dueAtMs);
    if (next === Number.POSITIVE_INFINITY) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAtMs = next;
      return;
    }
    // Keep the timer if it fires early enough; re-arming on every grant would cost a timer each.
    if (this.timer !== undefined && this.timerAtMs <= next) return;
    clearTimeout(this.timer);
    this.timerAtMs = next;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, next - Date.now()));
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due = [...this.held.entries()].filter(([, h]) => h.dueAtMs <= now);
    for (const [, h] of due) h.dueAtMs = Number.POSITIVE_INFINITY; // in flight
    await Promise.all(due.map(([token, h]) => this.refresh(token, h)));
    this.schedule();
  }

  private async refresh(token: string, h: Held): Promise<void> {
    try {
      const result = await this.store.refresh(h.lease.name, token);
      if (this.stopped || this.held.get(token) !== h) return;
      if (result.kind === "not_held") {
        this.held.delete(token);
        this.onLost(h.id, token, "the lease expired or was released by someone else");
        return;
      }
      h.lease = result.lease;
      h.dueAtMs = dueAt(result.lease);
    } catch (error) {
      if (this.stopped || this.held.get(token) !== h) return;
      if (h.lease.expiresAtMs !== 0 && Date.now() >= h.lease.expiresAtMs) {
        this.held.delete(token);
        this.onLost(h.id, token, `the store was unreachable until the lease expired (${error instanceof Error ? error.message : String(error)})`);
        return;
      }
      // Retry soon: the lease may well still be ours.
      h.dueAtMs = Date.now() + Math.max(10, Math.min(1000, Math.floor(h.lease.ttlMs / 10)));
    }
  }
}

/** When a lease should next be refreshed: a third of its TTL from its last extension; never for TTL 0. */
function dueAt(lease: LeaseRecord): number {
  if (lease.ttlMs === 0) return Number.POSITIVE_INFINITY;
  return Date.now() + Math.max(10, Math.floor(lease.ttlMs / 3));
}
