import { performance } from "node:perf_hooks";
import type { LockEvent } from "../../store/types.js";
import { LockHistory } from "./lock-history.js";
import { TrafficLog } from "./traffic.js";

/** Queued waiters whose join time is remembered (to measure their wait); the oldest is forgotten first. */
export const TRACKED_WAITERS = 200_000;

/**
 * Watches the store's change events for the admin API: the traffic of the last seconds (grants,
 * releases, expiries, abandoned waits; wait and hold times) and each lock's recent holds. It only
 * reads events, so it costs the grant path nothing but a few map operations, and everything it
 * keeps is bounded (see TrafficLog, LockHistory, TRACKED_WAITERS).
 */
export class LockMonitor {
  readonly traffic: TrafficLog;
  readonly history: LockHistory;
  /** Waiter id → when its `queued` event arrived (performance.now()). */
  private readonly queuedAt = new Map<string, number>();

  constructor(options: { nowMs?: () => number; history?: LockHistory } = {}) {
    this.traffic = new TrafficLog(options.nowMs);
    this.history = options.history ?? new LockHistory();
  }

  /** The store listener. */
  onEvent(event: LockEvent): void {
    switch (event.kind) {
      case "queued":
        if (event.waiterId === undefined) return;
        if (this.queuedAt.size >= TRACKED_WAITERS) this.queuedAt.delete(this.queuedAt.keys().next().value!);
        this.queuedAt.set(event.waiterId, performance.now());
        return;
      case "dequeued":
        if (event.waiterId !== undefined) this.queuedAt.delete(event.waiterId);
        this.traffic.abandon();
        return;
      case "granted": {
        const lease = event.lease;
        if (lease === undefined) return;
        const waitedMs = this.waited(event.waiterId);
        if (this.history.granted(event.name, lease.owner, lease.fencing, lease.acquiredAtMs, waitedMs)) this.traffic.grant(waitedMs);
        return;
      }
      case "released":
      case "expired": {
        const lease = event.lease;
        if (lease === undefined) return;
        const nowMs = Date.now();
        if (this.history.ended(event.name, lease.owner, lease.fencing, lease.acquiredAtMs, event.kind, nowMs)) {
          this.traffic.ended(event.kind, nowMs - lease.acquiredAtMs);
        }
        return;
      }
      default:
        return;
    }
  }

  /** How long a granted waiter waited: 0 for a grant without a queue, undefined when its join was not seen. */
  private waited(waiterId: string | undefined): number | undefined {
    if (waiterId === undefined) return 0;
    const at = this.queuedAt.get(waiterId);
    if (at === undefined) return undefined;
    this.queuedAt.delete(waiterId);
    return performance.now() - at;
  }
}
