import type { RendezvousListing } from "../../store/rendezvous.js";
import { invalid } from "../errors.js";
import { checkPrefix } from "../validate.js";
import { checkListLimit } from "../rendezvous/validate.js";
import type { EngineLoad, LockEngine } from "../lock-engine.js";
import type { ReadinessRecord } from "../probes/readiness-board.js";
import type { RendezvousEngine } from "../rendezvous/rendezvous-engine.js";
import type { TrafficSecondRecord } from "./traffic.js";

/** What an Overview stream reports. */
export interface OverviewRequest {
  /** Unset: 1000. */
  intervalMs: number | undefined;
  prefix: string;
  /** 0: the List default. */
  pageSize: number;
}

/** What this instance serves now. */
export interface InstanceLoadRecord extends EngineLoad {
  rendezvousStreams: number;
  readinessWaits: number;
}

/** The rendezvous state and the readiness waits. */
export interface ActivityRecord {
  rendezvous: RendezvousListing;
  readiness: ReadinessRecord[];
}

/** One message of an Overview stream. */
export interface OverviewFrame {
  atMs: number;
  seconds: TrafficSecondRecord[];
  load: InstanceLoadRecord;
  /** Undefined when unchanged since the stream's previous frame. */
  activity: ActivityRecord | undefined;
}

/** How long one store listing serves every viewer that asks for the same one. */
const LISTING_REUSE_MS = 250;

/** How soon after a rendezvous change the activity is sent (changes often come in bursts). */
const CHANGE_DELAY_MS = 100;

/**
 * The admin Overview: a stream per viewer of the traffic, the load and the activity, made from
 * what the engines already keep. Viewers asking within LISTING_REUSE_MS for the same listing
 * share one store call, so many open pages cost the store about one listing per interval.
 */
export class OverviewHub {
  private readonly listings = new Map<string, { atMs: number; listing: Promise<RendezvousListing> }>();

  constructor(
    private readonly locks: LockEngine,
    private readonly rendezvous: RendezvousEngine,
  ) {}

  /** Yields a frame at once, then one per interval (and an early one after a rendezvous change). */
  async *stream(request: OverviewRequest, signal: AbortSignal): AsyncGenerator<OverviewFrame> {
    const intervalMs = request.intervalMs ?? 1000;
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 250 || intervalMs > 60_000) {
      throw invalid(`interval_ms must be between 250 and 60000 (got ${intervalMs}); leave it unset for 1000`, "interval_ms");
    }
    // Checked before the first frame, so that a bad request fails as a whole.
    checkPrefix(request.prefix);
    checkListLimit(request.pageSize);
    const wake = new Wakeup(signal);
    const unsubscribe = this.rendezvous.store.subscribe(() => {
      // A listing made before the change must not be served after it.
      this.listings.clear();
      wake.soon(CHANGE_DELAY_MS);
    });
    let lastSecondMs = 0;
    let lastActivity = "";
    try {
      for (;;) {
        const activity: ActivityRecord = { rendezvous: await this.listing(request.prefix, request.pageSize), readiness: this.rendezvous.readiness.list() };
        const fingerprint = JSON.stringify(activity);
        const seconds = this.locks.monitor.traffic.since(lastSecondMs);
        lastSecondMs = seconds.at(-1)?.startMs ?? lastSecondMs;
        yield { atMs: Date.now(), seconds, load: this.load(), activity: fingerprint === lastActivity ? undefined : activity };
        lastActivity = fingerprint;
        await wake.after(intervalMs);
      }
    } finally {
      unsubscribe();
      wake.dispose();
    }
  }

  private load(): InstanceLoadRecord {
    return { ...this.locks.load(), rendezvousStreams: this.rendezvous.streamCount, readinessWaits: this.rendezvous.readiness.size };
  }

  private listing(prefix: string, pageSize: number): Promise<RendezvousListing> {
    const key = `${pageSize} ${prefix}`;
    const nowMs = Date.now();
    const cached = this.listings.get(key);
    if (cached !== undefined && nowMs - cached.atMs < LISTING_REUSE_MS) return cached.listing;
    for (const [k, v] of this.listings) if (nowMs - v.atMs >= LISTING_REUSE_MS) this.listings.delete(k);
    const listing = this.rendezvous.list(prefix, pageSize);
    // A failed listing is not kept: the next viewer asks the store again.
    listing.catch(() => this.listings.delete(key));
    this.listings.set(key, { atMs: nowMs, listing });
    return listing;
  }
}

/** A sleep that a change can cut short, and that ends with the signal's reason when it aborts. */
class Wakeup {
  private timer: NodeJS.Timeout | undefined;
  private dueAtMs = 0;
  private resolve: (() => void) | undefined;
  private reject: ((reason: unknown) => void) | undefined;
  private readonly onAbort = (): void => this.reject?.(this.signal.reason);

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Resolves after `ms`, or sooner when `soon` is called meanwhile. */
  after(ms: number): Promise<void> {
    this.signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.set(ms);
    });
  }

  /** Brings the current sleep's end forward to `ms` from now (never later than it was). */
  soon(ms: number): void {
    if (this.resolve !== undefined && Date.now() + ms < this.dueAtMs) this.set(ms);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.signal.removeEventListener("abort", this.onAbort);
  }

  private set(ms: number): void {
    clearTimeout(this.timer);
    this.dueAtMs = Date.now() + ms;
    this.timer = setTimeout(() => {
      const resolve = this.resolve;
      this.resolve = this.reject = undefined;
      resolve?.();
    }, ms);
  }
}
