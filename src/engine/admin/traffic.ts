/** Seconds of traffic kept, so that a viewer that opens sees the recent past at once. */
export const TRAFFIC_SECONDS = 120;

/** Most duration samples kept per second; more are sampled uniformly (reservoir sampling). */
export const SAMPLES_PER_SECOND = 1024;

/** The distribution of one second's durations. */
export interface DurationSummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One second of lock traffic. */
export interface TrafficSecondRecord {
  startMs: number;
  grants: number;
  releases: number;
  expiries: number;
  abandoned: number;
  wait: DurationSummary;
  hold: DurationSummary;
}

/** Durations of one second: a bounded uniform sample, plus the exact count and maximum. */
class Reservoir {
  private readonly samples: number[] = [];
  private count = 0;
  private maxMs = 0;

  add(ms: number): void {
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
    if (this.samples.length < SAMPLES_PER_SECOND) {
      this.samples.push(ms);
      return;
    }
    // Algorithm R: every duration of the second has the same chance to be in the sample.
    const slot = Math.floor(Math.random() * this.count);
    if (slot < SAMPLES_PER_SECOND) this.samples[slot] = ms;
  }

  summary(): DurationSummary {
    if (this.count === 0) return { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
    const sorted = this.samples.sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { count: this.count, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: this.maxMs };
  }
}

interface OpenSecond {
  startMs: number;
  grants: number;
  releases: number;
  expiries: number;
  abandoned: number;
  wait: Reservoir;
  hold: Reservoir;
}

/**
 * The lock traffic of the last TRAFFIC_SECONDS seconds, second by second: counts, and wait and
 * hold times. Bounded: 120 closed seconds and one open second of at most 2 × 1024 samples. It
 * has no timer: a second is closed by the first record or read after it ended, and seconds with
 * no traffic are filled in as empty then.
 */
export class TrafficLog {
  private open: OpenSecond;
  private readonly closed: TrafficSecondRecord[] = [];

  constructor(private readonly nowMs: () => number = Date.now) {
    this.open = fresh(secondOf(nowMs()));
  }

  /** A permit was granted after waiting `waitMs` (0: it was free); undefined when unknown. */
  grant(waitMs: number | undefined): void {
    const s = this.current();
    s.grants++;
    if (waitMs !== undefined) s.wait.add(waitMs);
  }

  /** A hold ended by release or expiry after `holdMs`. */
  ended(kind: "released" | "expired", holdMs: number): void {
    const s = this.current();
    if (kind === "released") s.releases++;
    else s.expiries++;
    s.hold.add(Math.max(0, holdMs));
  }

  /** A waiter left a queue without a grant. */
  abandon(): void {
    this.current().abandoned++;
  }

  /** The closed seconds that began after `afterMs`, oldest first (all kept ones for 0). */
  since(afterMs: number): TrafficSecondRecord[] {
    this.current();
    let first = this.closed.length;
    while (first > 0 && this.closed[first - 1]!.startMs > afterMs) first--;
    return this.closed.slice(first);
  }

  private current(): OpenSecond {
    const second = secondOf(this.nowMs());
    if (second <= this.open.startMs) return this.open;
    this.close(this.open);
    // Seconds without traffic are still seconds: a chart must show the gap, not join across it.
    const gapStart = Math.max(this.open.startMs + 1000, second - TRAFFIC_SECONDS * 1000);
    for (let s = gapStart; s < second; s += 1000) this.close(fresh(s));
    this.open = fresh(second);
    return this.open;
  }

  private close(s: OpenSecond): void {
    this.closed.push({
      startMs: s.startMs,
      grants: s.grants,
      releases: s.releases,
      expiries: s.expiries,
      abandoned: s.abandoned,
      wait: s.wait.summary(),
      hold: s.hold.summary(),
    });
    if (this.closed.length > TRAFFIC_SECONDS) this.closed.splice(0, this.closed.length - TRAFFIC_SECONDS);
  }
}

function secondOf(ms: number): number {
  return ms - (ms % 1000);
}

function fresh(startMs: number): OpenSecond {
  return { startMs, grants: 0, releases: 0, expiries: 0, abandoned: 0, wait: new Reservoir(), hold: new Reservoir() };
}
