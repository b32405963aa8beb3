import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Reasons an authentication or authorization failure is counted under (bounded label values). */
export const AUTH_FAILURE_REASONS = ["missing_credentials", "bad_credentials", "revoked_key", "permission_denied", "bad_client_certificate", "other"] as const;

/** One of AUTH_FAILURE_REASONS. */
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/** Buckets, in seconds, of waits that run from instant to minutes. */
const WAIT_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Buckets, in seconds, of fast internal steps (a hand-off, a store operation). */
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** Buckets, in seconds, of holds: a lease is kept for milliseconds to hours. */
const HOLD_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400];

/** Where the gauges read at scrape time come from; each is set by the part that knows it. */
export interface GaugeSources {
  leasesHeld?: () => number;
  waitersQueued?: () => number;
  sessionsOpen?: () => number;
  /** ioredis's status of the command and the events connections ("ready" when usable). */
  redis?: () => { commands: string; events: string };
}

/**
 * Every metric Baton exports, in one registry per app (tests build many apps in one process).
 * Label values are bounded: services, methods, protocols, codes, store operations and reasons
 * come from fixed sets, never from a request (no lock name, owner or key).
 */
export class BatonMetrics {
  readonly registry = new Registry();
  /** Filled in by the parts that know each value (see setup.ts). */
  readonly sources: GaugeSources = {};
  readonly calls: Counter<"service" | "method" | "protocol" | "code">;
  readonly grants: Counter;
  readonly releases: Counter;
  readonly expiries: Counter;
  readonly handoffs: Counter;
  readonly acquireWait: Histogram;
  readonly handoffLatency: Histogram;
  readonly holdTime: Histogram;
  readonly leasesHeld: Gauge;
  readonly waitersQueued: Gauge;
  readonly sessionsOpen: Gauge;
  readonly streamsOpen: Gauge<"service" | "method">;
  readonly storeLatency: Histogram<"operation">;
  readonly storeErrors: Counter<"operation">;
  readonly redisConnected: Gauge<"connection">;
  readonly authFailures: Counter<"reason">;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.calls = new Counter({ name: "baton_calls_total", help: "RPCs finished, by service, method, protocol and status code", labelNames: ["service", "method", "protocol", "code"], registers });
    this.grants = new Counter({ name: "baton_lock_grants_total", help: "Lock permits granted (at once or from a queue)", registers });
    this.releases = new Counter({ name: "baton_lock_releases_total", help: "Leases released by their holder", registers });
    this.expiries = new Counter({ name: "baton_lock_expiries_total", help: "Leases that expired (their holder stopped refreshing)", registers });
    this.handoffs = new Counter({ name: "baton_lock_handoffs_total", help: "Freed permits handed to a queued waiter", registers });
    this.acquireWait = new Histogram({ name: "baton_lock_acquire_wait_seconds", help: "Time from joining a lock's queue to the grant (0 for a grant without a queue)", buckets: WAIT_BUCKETS, registers });
    this.handoffLatency = new Histogram({
      name: "baton_lock_handoff_latency_seconds",
      help: "Time from the store handing a freed permit to a queued waiter until this instance hears of the grant",
      buckets: FAST_BUCKETS,
      registers,
    });
    this.holdTime = new Histogram({ name: "baton_lock_hold_seconds", help: "How long leases were held, until released or expired", buckets: HOLD_BUCKETS, registers });
    const sources = this.sources;
    this.leasesHeld = new Gauge({
      name: "baton_leases_held",
      help: "Leases held now, in the whole store (all instances, for a shared Redis)",
      registers,
      collect() {
        if (sources.leasesHeld !== undefined) this.set(sources.leasesHeld());
      },
    });
    this.waitersQueued = new Gauge({
      name: "baton_waiters_queued",
      help: "Waiters queued now, in the whole store (all instances, for a shared Redis)",
      registers,
      collect() {
        if (sources.waitersQueued !== undefined) this.set(sources.waitersQueued());
      },
    });
    this.sessionsOpen = new Gauge({
      name: "baton_sessions_open",
      help: "Lock sessions open on this instance",
      registers,
      collect() {
        if (sources.sessionsOpen !== undefined) this.set(sources.sessionsOpen());
      },
    });
    this.streamsOpen = new Gauge({ name: "baton_streams_open", help: "Streaming RPCs open on this instance, by service and method", labelNames: ["service", "method"], registers });
    this.storeLatency = new Histogram({ name: "baton_store_operation_seconds", help: "Latency of lock store operations, by operation", labelNames: ["operation"], buckets: FAST_BUCKETS, registers });
    this.storeErrors = new Counter({ name: "baton_store_operation_errors_total", help: "Lock store operations that failed (an outage, not a refusal), by operation", labelNames: ["operation"], registers });
    this.redisConnected = new Gauge({
      name: "baton_redis_connected",
      help: "1 while the Redis connection is ready, by connection (commands, events); absent without Redis",
      labelNames: ["connection"],
      registers,
      collect() {
        const status = sources.redis?.();
        if (status === undefined) return;
        this.labels("commands").set(status.commands === "ready" ? 1 : 0);
        this.labels("events").set(status.events === "ready" ? 1 : 0);
      },
    });
    this.authFailures = new Counter({ name: "baton_auth_failures_total", help: "Calls refused for authentication or authorization, by reason", labelNames: ["reason"], registers });
    for (const reason of AUTH_FAILURE_REASONS) this.authFailures.labels(reason).inc(0);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts a refused call (for the auth interceptor); an unknown reason counts as "other". */
  authFailure(reason: AuthFailureReason): void {
    this.authFailures.labels((AUTH_FAILURE_REASONS as readonly string[]).includes(reason) ? reason : "other").inc();
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * Counts an auth failure when metrics are on; a no-op when they are off (`metrics` undefined).
 * The auth interceptor calls this with the app's metrics, so it needs no other import.
 */
export function recordAuthFailure(metrics: BatonMetrics | undefined, reason: AuthFailureReason): void {
  metrics?.authFailure(reason);
}
