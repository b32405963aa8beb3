import type { LeaseRecord, LockEvent, Store } from "../store/types.js";

/** How long queue changes are collected before positions are re-read and sent. */
export const POSITION_FLUSH_MS = 20;

/** What a local waiter is told: its place in the queue, then its lease. */
export interface WaiterSink {
  name: string;
  position: number;
  /** Wants no position updates (a session acquire that asked for none): its lock is not re-read for it. */
  readonly quiet?: boolean;
  onQueued(position: number, queueLength: number, holders: LeaseRecord[]): void;
  onGranted(lease: LeaseRecord): void;
}

/**
 * The waiters whose streams live in this process. Routes a store's grant events to the right
 * stream, re-reads queue positions when a queue changes, and releases grants that arrive for a
 * waiter whose stream has already gone (a grant racing a cancel), so no permit leaks.
 */
export class WaiterRegistry {
  private readonly sinks = new Map<string, WaiterSink>();
  private readonly byName = new Map<string, Set<string>>();
  /** Per lock, how many local waiters want position updates; only those locks are re-read. */
  private readonly listening = new Map<string, number>();
  private readonly abandoned = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;

  constructor(
    private readonly store: Store,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Registers a waiter before it joins the queue, so that its grant cannot be missed. */
  add(id: string, sink: WaiterSink): void {
    this.sinks.set(id, sink);
    let ids = this.byName.get(sink.name);
    if (ids === undefined) this.byName.set(sink.name, (ids = new Set()));
    ids.add(id);
    if (sink.quiet !== true) this.listening.set(sink.name, (this.listening.get(sink.name) ?? 0) + 1);
  }

  /** Forgets a waiter whose stream ended or was granted. */
  remove(id: string): void {
    const sink = this.sinks.get(id);
    if (sink === undefined) return;
    this.sinks.delete(id);
    const ids = this.byName.get(sink.name);
    ids?.delete(id);
    if (ids?.size === 0) this.byName.delete(sink.name);
    if (sink.quiet !== true) {
      const left = (this.listening.get(sink.name) ?? 1) - 1;
      if (left === 0) this.listening.delete(sink.name);
      else this.listening.set(sink.name, left);
    }
  }

  /**
   * Marks a waiter that left while its grant may still be on its way (a cancel that found it no
   * longer waiting): when that grant arrives it is released at once.
   */
  abandon(id: string): void {
    this.abandoned.set(id, Date.now());
    if (this.abandoned.size > 1000) {
      const cutoff = Date.now() - 60_000;
      for (const [key, at] of this.abandoned) if (at < cutoff) this.abandoned.delete(key);
    }
  }

  /** The store listener: routes grants and notes queues whose positions moved. */
  onEvent(event: LockEvent): void {
    if (event.kind === "granted" && event.waiterId !== undefined && event.lease !== undefined) {
      const sink = this.sinks.get(event.waiterId);
      if (sink !== undefined) {
        this.remove(event.waiterId);
        sink.onGranted(event.lease);
      } else if (this.abandoned.delete(event.waiterId)) {
        this.store.release(event.name, event.lease.token).catch(this.onError);
      }
    }
    if (event.kind === "granted" || event.kind === "queued" || event.kind === "dequeued") {
      if (event.waiterId !== undefined && this.listening.has(event.name)) this.markDirty(event.name);
    }
  }

  /** Re-reads the positions of every local waiter of every lock, e.g. after a reconnect. */
  refreshAll(): void {
    for (const name of this.listening.keys()) this.markDirty(name);
  }

  /** How many waiters wait here. */
  get size(): number {
    return this.sinks.size;
  }

  private markDirty(name: string): void {
    this.dirty.add(name);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Coalesce the queue changes of a short window into one read per lock: under contention
    // every grant moves every waiter, and telling each of n waiters after each grant would cost
    // O(n) messages per grant. Waiters still learn every position they end up at.
    setTimeout(() => {
      this.flushScheduled = false;
      const names = [...this.dirty];
      this.dirty.clear();
      for (const name of names) this.updatePositions(name).catch(this.onError);
    }, POSITION_FLUSH_MS);
  }

  private async updatePositions(name: string): Promise<void> {
    if (!this.listening.has(name)) return;
    const snapshot = await this.store.describe(name);
    snapshot.waiters.forEach((waiter, index) => {
      const sink = this.sinks.get(waiter.id);
      if (sink === undefined || sink.position === index + 1) return;
      sink.position = index + 1;
      if (sink.quiet === true) return;
      sink.onQueued(index + 1, snapshot.waiters.length, snapshot.holders);
    });
  }
}
