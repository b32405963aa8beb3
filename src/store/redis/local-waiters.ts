import type { AcquireResult, LeaseRecord, LockEvent } from "../types.js";

/** A waiter this instance put in a queue, as it remembers it. */
export interface LocalWaiter {
  id: string;
  name: string;
  token: string;
  owner: string;
  ttlMs: number;
  /** An enqueue is in flight: its outcome is not known yet. */
  pending: boolean;
}

/** Where a waiter stands according to heartbeat.lua. */
export type WaiterStatus = "queued" | "gone" | LeaseRecord;

/** What LocalWaiters needs from the store. */
export interface WaiterTarget {
  /** Renews the heartbeats of these waiters of one lock and reports where each stands. */
  heartbeat(name: string, waiters: LocalWaiter[]): Promise<Map<string, WaiterStatus>>;
  /** Enqueues a waiter again (at the back) after it was lost. */
  rejoin(waiter: LocalWaiter): Promise<AcquireResult>;
  /** Takes a waiter out of the queue. */
  cancel(name: string, id: string): Promise<unknown>;
  /** Delivers an event to this instance's listeners only. */
  emitLocal(event: LockEvent): void;
}

/**
 * The waiters this instance enqueued and whose streams it serves. Renews their heartbeats (so
 * the sweepers of other instances leave them queued) and reconciles them with Redis: after a
 * pub/sub reconnect, or when one was dropped by heartbeat expiry while this instance lived, it
 * emits the grant it missed or puts the waiter back in the queue.
 */
export class LocalWaiters {
  private readonly waiters = new Map<string, LocalWaiter>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: WaiterTarget,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Remembers a waiter before its enqueue is sent, so a grant that overtakes the answer is seen. */
  begin(waiter: Omit<LocalWaiter, "pending">): void {
    this.waiters.set(waiter.id, { ...waiter, pending: true });
  }

  /** Records the answer of the enqueue: still queued, or not (granted at once, refused, failed). */
  settle(id: string, queued: boolean): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    if (queued) waiter.pending = false;
    else this.waiters.delete(id);
  }

  /** Forgets a waiter (cancelled or granted); returns what was remembered of it. */
  drop(id: string): LocalWaiter | undefined {
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    return waiter;
  }

  /** The store's event hook, before listeners see the event. */
  onEvent(event: LockEvent): void {
    if (event.waiterId === undefined) return;
    if (event.kind === "granted") this.drop(event.waiterId);
    // Dequeued without a cancel from us: its heartbeat lapsed. Put it back.
    if (event.kind === "dequeued" && this.waiters.get(event.waiterId)?.pending === false) this.reconcile(event.name);
  }

  /** Renews heartbeats every `intervalMs`, reconciling as it goes. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.reconcileAll(), intervalMs);
    this.timer.unref();
  }

  /** Stops renewing. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Re-reads every lock with local waiters (after a reconnect, and on every heartbeat). */
  reconcileAll(): void {
    for (const name of new Set([...this.waiters.values()].map((w) => w.name))) this.reconcile(name);
  }

  /** How many waiters this instance serves. */
  get size(): number {
    return this.waiters.size;
  }

  private reconcile(name: string): void {
    if (this.inFlight.has(name)) return;
    const mine = [...this.waiters.values()].filter((w) => w.name === name && !w.pending);
    if (mine.length === 0) return;
    this.inFlight.add(name);
    this.target
      .heartbeat(name, mine)
      .then((statuses) => {
        for (const waiter of mine) {
          const status = statuses.get(waiter.id);
          // Only act on waiters still ours and settled: a grant event may have beaten the answer.
          if (status === undefined || status === "queued" || this.waiters.get(waiter.id) !== waiter || waiter.pending) continue;
          if (status === "gone") void this.rejoin(waiter);
          else this.deliver(waiter, status);
        }
      })
      .catch(this.onError)
      .finally(() => this.inFlight.delete(name));
  }

  private deliver(waiter: LocalWaiter, lease: LeaseRecord): void {
    this.drop(waiter.id);
    this.target.emitLocal({ name: waiter.name, kind: "granted", lease, waiterId: waiter.id });
  }

  private async rejoin(waiter: LocalWaiter): Promise<void> {
    waiter.pending = true;
    try {
      const result = await this.target.rejoin(waiter);
      if (this.waiters.get(waiter.id) !== waiter) {
        // Cancelled while we re-enqueued it: take it out again.
        if (result.kind === "queued") await this.target.cancel(waiter.name, waiter.id);
        return;
      }
      if (result.kind === "granted") this.deliver(waiter, result.lease);
      else if (result.kind === "queued") waiter.pending = false;
      else {
        this.drop(waiter.id);
        this.onError(new Error(`waiter ${waiter.id} on "${waiter.name}" was lost and could not queue again (${result.kind})`));
      }
    } catch (error) {
      waiter.pending = false;
      this.onError(error);
    }
  }
}
