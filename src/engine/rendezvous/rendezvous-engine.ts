import type { RendezvousListing, RendezvousStore, SignalRecord } from "../../store/rendezvous.js";
import { newWaiterId } from "../../store/token.js";
import { Channel } from "../channel.js";
import { BatonError, invalid, shuttingDown } from "../errors.js";
import { HostAllowlist } from "../probes/allowlist.js";
import { prepareProbe, type ProbeSettings, type ProbeSpec } from "../probes/probe.js";
import { pollUntilReady, type ReadyEvent } from "../probes/wait-ready.js";
import { ReadinessBoard } from "../probes/readiness-board.js";
import { checkName, checkOwner, checkPrefix, checkWait, type Bounds } from "../validate.js";
import { arriveAtBarrier, type ArriveEvent, type ArriveParams } from "./barrier.js";
import { LocalStreams, type KeyChangeEvent } from "./local-streams.js";
import { streamScope } from "./scope.js";
import { Ticker } from "./ticker.js";
import { checkListLimit, checkPayload, checkSignalTtl } from "./validate.js";

/** Settings of the rendezvous engine; from the configuration. */
export interface RendezvousOptions {
  /** Interval of the heartbeats on idle streams, and of presence touches in a shared store. */
  heartbeatMs: number;
  minTtlMs: number;
  maxTtlMs: number;
  /** Longest timeout a client may ask for. */
  maxWaitMs: number;
  /** Largest barrier. */
  maxParties: number;
  /** Hosts probes may reach (see HostAllowlist). */
  probeAllowlist: readonly string[];
  /** DSN template of the Postgres probe, with a {db} placeholder. */
  postgresDsn: string;
  /** Changes a subscription may have waiting for a slow client before it is cut off (default 10,000). */
  maxPendingChanges?: number;
}

/** One event of a Wait stream. */
export type RendezvousWaitEvent = { type: "waiting"; elapsedMs: number } | { type: "signaled"; signal: SignalRecord };

/** One event of a Subscribe stream: a change (or a current value), or a heartbeat. */
export type SubscribeEvent =
  | { type: "heartbeat"; elapsedMs: number }
  | { type: "change"; change: KeyChangeEvent | { kind: "current"; key: string; signal: SignalRecord; woken: number } };

/** Timing of a WaitReady, as the client asked (unset: defaults). */
export interface ReadyTiming {
  intervalMs?: number;
  /** Unset: as long as the caller lives; 0: one attempt; N: up to N ms. */
  waitUpToMs?: number;
  attemptTimeoutMs?: number;
}

/** Changes a subscription may have waiting for its client before it is cut off, unless configured. */
const DEFAULT_MAX_PENDING_CHANGES = 10_000;

/** How many heartbeat intervals a presence lease in a shared store lasts: a few missed touches are tolerated. */
const PRESENCE_LEASES = 3;

/**
 * Rendezvous semantics over a RendezvousStore: validates requests, wakes the Wait, Subscribe and
 * Arrive streams of this process from the store's events, sends their heartbeats, runs readiness
 * probes, and ends every stream with `unavailable` on shutdown.
 */
export class RendezvousEngine {
  private readonly local = new LocalStreams();
  /** The readiness waits polling now, for the admin API. */
  readonly readiness = new ReadinessBoard();
  private readonly ticker: Ticker;
  private readonly probes: ProbeSettings;
  private readonly closing = new AbortController();
  private readonly unsubscribe: () => void;
  private readonly stopPresence: () => void;
  private active = 0;
  private idle: (() => void) | undefined;

  constructor(
    readonly store: RendezvousStore,
    readonly options: RendezvousOptions,
    private readonly log: (message: string) => void = (m) => console.error(m),
  ) {
    this.ticker = new Ticker(options.heartbeatMs);
    this.probes = { allowlist: new HostAllowlist(options.probeAllowlist), postgresDsn: options.postgresDsn };
    this.unsubscribe = store.subscribe((event) => this.local.onEvent(event));
    this.stopPresence = this.ticker.add(() => this.touchPresence());
  }

  /** Sets a key and wakes its waiters; resolves with the value and how many were woken. */
  async signal(params: { key: string; payload: string; ttlMs?: number; owner: string }): Promise<{ signal: SignalRecord; woken: number }> {
    const input = {
      key: checkName(params.key, "key"),
      payload: checkPayload(params.payload),
      owner: checkOwner(params.owner),
      ttlMs: checkSignalTtl(params.ttlMs, this.options),
    };
    const result = await this.store.signal(input);
    return { signal: result.signal, woken: result.woken };
  }

  /** Clears a key; resolves with whether it was set. */
  async reset(key: string): Promise<boolean> {
    return (await this.store.reset(checkName(key, "key"))).kind === "reset";
  }

  /** Keys waiting, set, timed out, and barriers gathering. */
  list(prefix: string, limit: number): Promise<RendezvousListing> {
    return this.store.list({ prefix: checkPrefix(prefix), limit: checkListLimit(limit) });
  }

  /** Yields `waiting` at once and every heartbeat, then `signaled`; at once when already set. */
  async *wait(params: { key: string; waitUpToMs?: number; owner: string }, caller: AbortSignal): AsyncGenerator<RendezvousWaitEvent> {
    const key = checkName(params.key, "key");
    const owner = checkOwner(params.owner);
    const timeoutMs = checkWait(params.waitUpToMs, "wait_ms", this.bounds());
    const startedMs = Date.now();
    const scope = streamScope(caller, this.closing.signal, timeoutMs, `"${key}" was not signalled within ${timeoutMs} ms`, { key });
    const channel = new Channel<RendezvousWaitEvent>(scope.signal);
    const waiterId = newWaiterId();
    const removeSink = this.local.addWaiter(key, waiterId, (signal) => channel.push({ type: "signaled", signal }));
    const stopBeat = this.ticker.add(() => channel.push({ type: "waiting", elapsedMs: Date.now() - startedMs }));
    let registered = false;
    this.active++;
    try {
      const joined = await this.store.joinWait({ key, waiterId, owner });
      if (joined.kind === "set") {
        yield { type: "signaled", signal: joined.signal };
        return;
      }
      registered = true;
      scope.looked();
      yield { type: "waiting", elapsedMs: 0 };
      for (;;) {
        let event: RendezvousWaitEvent;
        try {
          event = await channel.next();
        } catch (error) {
          registered = false;
          const reason = scope.timedOut() ? { kind: "timed_out" as const, waitedMs: Date.now() - startedMs } : { kind: "left" as const };
          const left = await this.store.leaveWait(key, waiterId, reason);
          // A signal that woke this waiter in the same instant as its end still counts.
          const late = left.kind === "not_waiting" && !caller.aborted ? await this.lateSignal(key, channel) : undefined;
          if (late === undefined) throw error;
          yield { type: "signaled", signal: late };
          return;
        }
        yield event;
        if (event.type === "signaled") return;
      }
    } finally {
      removeSink();
      stopBeat();
      scope.dispose();
      if (registered) await this.store.leaveWait(key, waiterId, { kind: "left" }).catch((e: unknown) => this.backgroundFailure(e));
      this.streamEnded();
    }
  }

  /** Yields matching current values (with `initial`), a heartbeat, then every change and a heartbeat each interval. */
  async *subscribe(filter: { key: string; prefix: string; initial: boolean }, caller: AbortSignal): AsyncGenerator<SubscribeEvent> {
    if (filter.key !== "") checkName(filter.key, "key");
    checkPrefix(filter.prefix);
    const startedMs = Date.now();
    const scope = streamScope(caller, this.closing.signal, undefined, "");
    const channel = new Channel<SubscribeEvent>(scope.signal);
    // A subscriber that cannot keep up is cut off rather than buffered without bound.
    const maxPending = this.options.maxPendingChanges ?? DEFAULT_MAX_PENDING_CHANGES;
    let pending = 0;
    const remove = this.local.addSubscriber(filter, (change) => {
      if (++pending <= maxPending) return channel.push({ type: "change", change });
      const message = `this subscription fell more than ${maxPending} changes behind; subscribe again (with initial) to catch up`;
      channel.fail(new BatonError("resource_exhausted", message, { reason: "QUOTA_EXCEEDED", metadata: { limit: "subscription_backlog", max: String(maxPending) } }));
    });
    const stopBeat = this.ticker.add(() => channel.push({ type: "heartbeat", elapsedMs: Date.now() - startedMs }));
    this.active++;
    try {
      // Registered first, then checked: a store that cannot deliver events fails the call now.
      await this.store.ping();
      if (filter.initial) {
        const current =
          filter.key !== ""
            ? [await this.store.get(filter.key)].filter((s): s is SignalRecord => s !== undefined)
            : (await this.store.list({ prefix: filter.prefix, limit: 10_000 })).set;
        for (const signal of current) yield { type: "change", change: { kind: "current", key: signal.key, signal, woken: 0 } };
      }
      yield { type: "heartbeat", elapsedMs: Date.now() - startedMs };
      for (;;) {
        const event = await channel.next();
        if (event.type === "change") pending--;
        yield event;
      }
    } finally {
      remove();
      stopBeat();
      scope.dispose();
      this.streamEnded();
    }
  }

  /** Joins a barrier: yields progress and heartbeats, then `tripped` with this participant's index. */
  async *arrive(params: ArriveParams, caller: AbortSignal): AsyncGenerator<ArriveEvent> {
    this.active++;
    try {
      yield* arriveAtBarrier(params, caller, {
        store: this.store,
        local: this.local,
        ticker: this.ticker,
        closing: this.closing.signal,
        bounds: this.bounds(),
        maxParties: this.options.maxParties,
        onError: (e) => this.backgroundFailure(e),
      });
    } finally {
      this.streamEnded();
    }
  }

  /** Polls a probe until it succeeds: yields each failed attempt, then `ready`. */
  async *waitReady(spec: ProbeSpec | undefined, timing: ReadyTiming, caller: AbortSignal): AsyncGenerator<ReadyEvent> {
    const probe = prepareProbe(spec, this.probes);
    const intervalMs = checkRange(timing.intervalMs, 500, 50, 60_000, "interval_ms");
    const attemptTimeoutMs = checkRange(timing.attemptTimeoutMs, 2000, 10, 60_000, "attempt_timeout_ms");
    const timeoutMs = checkWait(timing.waitUpToMs, "wait_ms", this.bounds());
    // wait_ms 0 makes one attempt, however long it takes (up to attempt_timeout_ms).
    const once = timeoutMs === 0;
    const scope = streamScope(caller, this.closing.signal, once ? undefined : timeoutMs, "");
    const state = { lastError: "" };
    const notReady = (): BatonError => {
      const last = state.lastError === "" ? "" : `; last error: ${state.lastError}`;
      const within = once ? "at its one attempt (wait_ms 0)" : `within ${timeoutMs} ms`;
      return new BatonError("deadline_exceeded", `${probe.target} was not ready ${within}${last}`, { reason: "WAIT_TIMEOUT", metadata: { target: probe.target } });
    };
    this.active++;
    const board = this.readiness.add(probe.target);
    try {
      let ready = false;
      for await (const event of pollUntilReady(probe, { intervalMs, attemptTimeoutMs, maxAttempts: once ? 1 : undefined }, scope.signal, state)) {
        if (event.type === "ready") ready = true;
        board.record(event);
        yield event;
      }
      if (!ready) throw notReady();
    } catch (error) {
      if (!scope.timedOut()) throw error;
      throw notReady();
    } finally {
      board.done();
      scope.dispose();
      this.streamEnded();
    }
  }

  /** Ends every stream with `unavailable`; resolves when all are done. */
  async close(): Promise<void> {
    this.closing.abort(shuttingDown());
    if (this.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.stopPresence();
    this.unsubscribe();
  }

  /** Whether close() has begun. */
  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** How many streams (Wait, Subscribe, Arrive, WaitReady) this process serves. */
  get streamCount(): number {
    return this.active;
  }

  /** How many Wait streams of this process are waiting. */
  get waiterCount(): number {
    return this.local.waiterCount;
  }

  private async lateSignal(key: string, channel: Channel<RendezvousWaitEvent>): Promise<SignalRecord | undefined> {
    const queued = channel.drain().find((e) => e.type === "signaled");
    if (queued?.type === "signaled") return queued.signal;
    return this.store.get(key);
  }

  private touchPresence(): void {
    const refs = this.local.presence();
    if (refs.length === 0) return;
    this.store.touch(refs, this.options.heartbeatMs * PRESENCE_LEASES).catch((e: unknown) => this.backgroundFailure(e));
  }

  /** The bounds checkWait reads (only maxWaitMs matters to it). */
  private bounds(): Bounds {
    const { minTtlMs, maxTtlMs, maxWaitMs, maxParties } = this.options;
    return { defaultTtlMs: minTtlMs, minTtlMs, maxTtlMs, maxWaitMs, maxLimit: maxParties };
  }

  private backgroundFailure(error: unknown): void {
    this.log(`baton: background rendezvous store call failed: ${String(error)}`);
  }

  private streamEnded(): void {
    if (--this.active === 0) this.idle?.();
  }
}

/** A timing field: 0 takes the default, anything else must lie within [min, max]. */
function checkRange(value: number | undefined, fallback: number, min: number, max: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new BatonError("invalid_argument", `${field} must be between ${min} and ${max} (got ${value}); leave it unset for ${fallback}`, { metadata: { field, min: String(min), max: String(max) } });
  }
  return value;
}
