import { performance } from "node:perf_hooks";
import type { LockEvent, Store } from "../../store/types.js";
import type { BatonMetrics } from "./metrics.js";

/** Queued waiters whose join time is remembered (to measure their wait); the oldest is forgotten first. */
const TRACKED_WAITERS = 200_000;

/**
 * Turns the store's change events into the lock metrics: grants, releases, expiries and
 * hand-offs; wait, hand-off and hold times; and the leases held and waiters queued now. The two
 * gauges start from one listing of the store (leases a durable store kept across a restart
 * count) and then follow the events. On a shared Redis every instance hears every instance's
 * events, so these count the whole store: take the max across instances, not the sum.
 */
export class LockEventMetrics {
  /** Waiter id → when its `queued` event arrived (performance.now()). */
  private readonly queuedAt = new Map<string, number>();
  private held = 0;
  private queued = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly metrics: BatonMetrics,
  ) {
    this.unsubscribe = store.subscribe((event) => this.onEvent(event));
    metrics.sources.leasesHeld = () => Math.max(0, this.held);
    metrics.sources.waitersQueued = () => Math.max(0, this.queued);
  }

  /** Counts what the store holds now (once, at start); events that arrive meanwhile add to it. */
  async seed(pageSize = 1000): Promise<void> {
    let after = "";
    for (;;) {
      const page = await this.store.list({ prefix: "", after, limit: pageSize });
      for (const lock of page) {
        this.held += lock.holders.length;
        this.queued += lock.waiters.length;
      }
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.name;
    }
  }

  /** Stops listening. */
  close(): void {
    this.unsubscribe();
  }

  private onEvent(event: LockEvent): void {
    const m = this.metrics;
    switch (event.kind) {
      case "queued":
        this.queued++;
        if (event.waiterId === undefined) return;
        if (this.queuedAt.size >= TRACKED_WAITERS) this.queuedAt.delete(this.queuedAt.keys().next().value!);
        this.queuedAt.set(event.waiterId, performance.now());
        return;
      case "dequeued":
        this.queued--;
        if (event.waiterId !== undefined) this.queuedAt.delete(event.waiterId);
        return;
      case "granted": {
        this.held++;
        m.grants.inc();
        if (event.waiterId === undefined) {
          m.acquireWait.observe(0);
          return;
        }
        this.queued--;
        m.handoffs.inc();
        const at = this.queuedAt.get(event.waiterId);
        if (at !== undefined) {
          this.queuedAt.delete(event.waiterId);
          m.acquireWait.observe((performance.now() - at) / 1000);
        }
        if (event.lease !== undefined) m.handoffLatency.observe(Math.max(0, Date.now() - event.lease.acquiredAtMs) / 1000);
        return;
      }
      case "released":
      case "expired":
        this.held--;
        (event.kind === "released" ? m.releases : m.expiries).inc();
        if (event.lease !== undefined) m.holdTime.observe(Math.max(0, Date.now() - event.lease.acquiredAtMs) / 1000);
        return;
      default:
        return;
    }
  }
}
