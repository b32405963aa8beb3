import type { AcquireResult, LeaseRecord, LockEvent } from "../types.js";
import { DirtyQueue } from "./dirty-queue.js";

/** A waiter this instance put in a queue, as it remembers it. */
export interface LocalWaiter {
  id: string;
  name: string;
  token: string;
  owner: string;
  ttlMs: number;
  /** What it asks for, kept to re-enqueue it as it was. */
  permits?: number;
  shared?: boolean;
  value?: string;
  /** An enqueue is in flight: its outcome is not known yet. */
  pending: boolean;
  /** The instance id it was queued (or last re-tagged) under. */
  origin: string;
  /** Granted, but the grant is not claimed yet (see heartbeat.lua): not handed on yet. */
  claiming: boolean;
}

/** Where a waiter stands according to heartbeat.lua. */
export type WaiterStatus = "queued" | "gone" | LeaseRecord;

/** What LocalWaiters needs from the store. */
export interface WaiterTarget {
  /**
   * Renews the heartbeats of these waiters of one lock, claims their grants, and reports where
   * each stands; `retag` moves the queued ones to this instance's current id.
   */
  heartbeat(name: string, waiters: LocalWaiter[], retag: boolean): Promise<Map<string, WaiterStatus>>;
  /** Enqueues a waiter again (at the back) after it was lost. */
  rejoin(waiter: LocalWaiter): Promise<AcquireResult>;
  /** Takes a waiter out of the queue. */
  cancel(name: string, id: string): Promise<unknown>;
  /** Delivers an event to this instance's listeners only. */
  emitLocal(event: LockEvent): void;
  /** This instance's current id (see InstancePresence). */
  currentId(): string;
  /** The last waiter on a lock left (see InstancePresence.idle). */
  idle(name: string): void;
}

/** Locks re-read at once at most; a pass over 10,000 locks then takes a fraction of a second. */
const CONCURRENCY = 32;

/**
 * The waiters this instance enqueued and whose streams it serves. Renews their heartbeats (so
 * the sweepers of other instances leave them queued) and reconciles them with Redis: after a
 * pub/sub reconnect, a lost answer, or when one was dropped by heartbeat expiry while this
 * instance lived, it emits the grant it missed or puts the waiter back in the queue.
 *
 * Waiters are kept by lock, and every re-read goes through one DirtyQueue: a lock is re-read
 * once however many triggers named it, at most CONCURRENCY locks at once, and not at all while
 * Redis is failing (the queue backs off). A re-read over every lock costs one script per lock.
 *
 * A grant another instance made to one of these waiters comes unclaimed: it is claimed first
 * (heartbeat.lua on just the waiters granted, through a second queue so a long re-read pass
 * does not delay it) and only then handed to the engine. Had this instance died meanwhile, the
 * grant would be released by its evictor, the next waiter served at once.
 */
export class LocalWaiters {
  private readonly waiters = new Map<string, LocalWaiter>();
  private readonly byName = new Map<string, Map<string, LocalWaiter>>();
  private readonly queue: DirtyQueue;
  private readonly claims: DirtyQueue;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: WaiterTarget,
    private readonly onError: (error: unknown) => void,
  ) {
    const pace = { concurrency: CONCURRENCY, retryBaseMs: 100, retryMaxMs: 2000 };
    this.queue = new DirtyQueue((name) => this.reconcile(name, (w) => !w.pending || w.claiming), onError, pace);
    this.claims = new DirtyQueue((name) => this.reconcile(name, (w) => w.claiming), onError, pace);
  }

  /** Remembers a waiter before its enqueue is sent, so a grant that overtakes the answer is seen. */
  begin(waiter: Omit<LocalWaiter, "pending" | "origin" | "claiming">): void {
    this.drop(waiter.id);
    const entry = { ...waiter, pending: true, origin: this.target.currentId(), claiming: false };
    this.waiters.set(entry.id, entry);
    let mine = this.byName.get(entry.name);
    if (mine === undefined) this.byName.set(entry.name, (mine = new Map()));
    mine.set(entry.id, entry);
  }

  /** Records the answer of the enqueue: still queued, or not (granted at once, refused, failed). */
  settle(id: string, queued: boolean): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    if (queued) waiter.pending = false;
    else this.drop(id);
  }

  /** Forgets a waiter (cancelled or granted); returns what was remembered of it. */
  drop(id: string): LocalWaiter | undefined {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return undefined;
    this.waiters.delete(id);
    const mine = this.byName.get(waiter.name);
    mine?.delete(id);
    if (mine?.size === 0) {
      this.byName.delete(waiter.name);
      this.target.idle(waiter.name);
    }
    return waiter;
  }

  /**
   * The store's event hook, before listeners see the event. Returns false for an unclaimed grant
   * to one of our waiters: it is claimed first, and the grant emitted once it is (emitLocal).
   */
  onEvent(event: LockEvent, unclaimed: boolean): boolean {
    if (event.waiterId === undefined) return true;
    const waiter = this.waiters.get(event.waiterId);
    if (waiter === undefined) return true;
    if (event.kind === "granted") {
      if (!unclaimed) {
        this.drop(waiter.id);
        return true;
      }
      waiter.claiming = true;
      this.claims.mark(waiter.name);
      return false;
    }
    // Dequeued without a cancel from us: its heartbeat lapsed, or this instance was evicted.
    if (event.kind === "dequeued" && !waiter.pending && !waiter.claiming) this.request(event.name);
    return true;
  }

  /** Renews heartbeats every `intervalMs`, reconciling as it goes. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.reconcileAll(), intervalMs);
    this.timer.unref();
  }

  /** Stops renewing. */
  stop(): void {
    clearInterval(this.timer);
    this.queue.stop();
    this.claims.stop();
  }

  /** Re-reads every lock with local waiters (after a reconnect, and on every heartbeat). */
  reconcileAll(): void {
    this.queue.markAll(this.byName.keys());
  }

  /** Re-reads one lock soon, if this instance has waiters on it (e.g. a script's answer was lost). */
  request(name: string): void {
    if (this.byName.has(name)) this.queue.mark(name);
  }

  /** How many waiters this instance serves. */
  get size(): number {
    return this.waiters.size;
  }

  /** Names of the locks this instance has waiters on. */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** Whether this instance has waiters on a lock (granted ones being claimed included). */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  private async reconcile(name: string, which: (w: LocalWaiter) => boolean): Promise<void> {
    const mine = [...(this.byName.get(name)?.values() ?? [])].filter(which);
    if (mine.length === 0) return;
    const id = this.target.currentId();
    const statuses = await this.target.heartbeat(name, mine, mine.some((w) => w.origin !== id));
    const rejoins: Promise<void>[] = [];
    for (const waiter of mine) {
      const status = statuses.get(waiter.id);
      // Only act on waiters still ours; a queued one must be settled (a grant event may have
      // beaten the answer), a granted one was claimed by this very call.
      if (status === undefined || this.waiters.get(waiter.id) !== waiter) continue;
      if (status === "queued") {
        waiter.origin = id;
        waiter.claiming = false;
        continue;
      }
      if (waiter.pending && !waiter.claiming) continue;
      waiter.claiming = false;
      if (status === "gone") rejoins.push(this.rejoin(waiter));
      else this.deliver(waiter, status);
    }
    // Waited for, so a pass re-queues at the queue's pace; a failure makes the queue back off
    // and re-read this lock later, when the waiter is found gone again.
    const failed = (await Promise.allSettled(rejoins)).find((r) => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }

  private deliver(waiter: LocalWaiter, lease: LeaseRecord): void {
    this.drop(waiter.id);
    this.target.emitLocal({ name: waiter.name, kind: "granted", lease, waiterId: waiter.id });
  }

  private async rejoin(waiter: LocalWaiter): Promise<void> {
    waiter.pending = true;
    const id = this.target.currentId();
    let result: AcquireResult;
    try {
      result = await this.target.rejoin(waiter);
    } catch (error) {
      // Still ours and not queued: the next re-read of its lock finds it gone and tries again.
      waiter.pending = false;
      throw error;
    }
    if (this.waiters.get(waiter.id) !== waiter) {
      // Cancelled while we re-enqueued it: take it out again.
      if (result.kind === "queued") await this.target.cancel(waiter.name, waiter.id);
      return;
    }
    if (result.kind === "granted") this.deliver(waiter, result.lease);
    else if (result.kind === "queued") {
      waiter.pending = false;
      waiter.origin = id;
    } else {
      this.drop(waiter.id);
      this.onError(new Error(`waiter ${waiter.id} on "${waiter.name}" was lost and could not queue again (${result.kind})`));
    }
  }
}
