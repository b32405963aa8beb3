import { BatonError } from "../../engine/errors.js";
import type { KeyLimits } from "./options.js";
import type { Principal } from "./key-ring.js";

/** What one key is using now: its rate bucket and its counters. Kept across config reloads by name. */
export class KeyUsage {
  streams = 0;
  waiters = 0;
  /** Unary acquires in flight for a key with a leases limit (they may become leases). */
  acquiring = 0;
  private tokens = Number.NaN;
  private refilledAtMs = 0;

  constructor(readonly name: string) {}

  /** Takes one call from the token bucket, or throws `resource_exhausted` with when to retry. */
  takeCall(limits: KeyLimits, nowMs: number): void {
    const rate = limits.requestsPerSecond;
    if (rate === undefined) return;
    const burst = limits.burst ?? rate;
    if (Number.isNaN(this.tokens)) this.tokens = burst;
    else this.tokens = Math.min(burst, this.tokens + ((nowMs - this.refilledAtMs) * rate) / 1000);
    this.refilledAtMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    const retryAfterMs = Math.ceil(((1 - this.tokens) * 1000) / rate);
    throw new BatonError("resource_exhausted", `key "${this.name}" is over its requestsPerSecond limit (${rate}/s, burst ${burst}); retry in ${retryAfterMs} ms`, {
      reason: "RATE_LIMITED",
      metadata: { limit: "requestsPerSecond", value: String(rate) },
      retryAfterMs,
    });
  }

  /** Counts one more of `what`, or throws `resource_exhausted` naming the limit it would pass. */
  enter(what: "streams" | "waiters", limits: KeyLimits): void {
    const limit = limits[what];
    if (limit !== undefined && this[what] >= limit) throw overLimit(this.name, what, limit);
    this[what]++;
  }

  /** Counts one less of `what`. */
  leave(what: "streams" | "waiters"): void {
    if (this[what] > 0) this[what]--;
  }
}

/** The error of a call that would pass one of a key's counting limits. */
export function overLimit(name: string, what: string, limit: number): BatonError {
  const doing = what === "streams" ? "streaming calls open" : what === "waiters" ? "acquires waiting" : "leases held";
  return new BatonError("resource_exhausted", `key "${name}" already has ${limit} ${doing}, its ${what} limit; nothing it holds was taken away`, {
    reason: "QUOTA_EXCEEDED",
    metadata: { limit: what, value: String(limit) },
  });
}

/** The usage of every key seen, by name, so that a config reload keeps counting what is open. */
export class UsageBook {
  private readonly byName = new Map<string, KeyUsage>();

  /** The usage of `principal`. */
  of(principal: Principal): KeyUsage {
    let usage = this.byName.get(principal.name);
    if (usage === undefined) this.byName.set(principal.name, (usage = new KeyUsage(principal.name)));
    return usage;
  }
}
