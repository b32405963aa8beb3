import { randomBytes } from "node:crypto";
import type { AcquireResult, LeaseRecord, LockEvent, LockSnapshot, Store } from "../store/types.js";
import { newToken, newWaiterId } from "../store/token.js";
import { BatonError, invalid, shuttingDown } from "./errors.js";
import { Channel } from "./channel.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { busyMessage } from "./messages.js";
import { WaiterRegistry } from "./waiters.js";
import { WaitCall, type WaitEvent, type WaitHost, type WaitListener, type WaitOptions } from "./wait-call.js";
import { WatchHub, type WatchEvent } from "./watchers.js";
import { WaitEvents } from "./wait-events.js";
import { checkValue, tooManyPermits } from "./claim.js";
import { checkLimit, checkName, checkOwner, checkPrefix, checkToken } from "./validate.js";
import { LockSession, type SessionEvents, type SessionHost } from "./session.js";
import { Heartbeats } from "./heartbeats.js";
import { LockMonitor } from "./admin/lock-monitor.js";
import { resolveRequest, resolveTtl, type AcquireParams, type EngineOptions, type ResolvedRequest } from "./policy.js";

export type { AcquireParams, EngineOptions } from "./policy.js";
export { type LockSession, type SessionEvents } from "./session.js";

export type { WaitEvent, WaitListener } from "./wait-call.js";

/** Ends a wait's event channel without an error. */
const END = Symbol("end");

const SHUTDOWN = shuttingDown();

/**
 * Coordination semantics over a Store: validates requests, delivers grants and queue positions
 * to waiting streams, keeps hold-on-stream leases alive, and ends every stream on shutdown.
 */
export class LockEngine {
  private readonly waiters: WaiterRegistry;
  private readonly heartbeats: Heartbeats<WaitEvent>;
  private readonly watchers: WatchHub;
  /** The one keeper of every lease a hold stream or a session keeps alive. */
  private readonly keeper: LeaseKeeper;
  /** Every open stream's channel, ended on shutdown (cheaper than a listener per stream on one signal). */
  private readonly channels = new Set<Channel<unknown>>();
  /** Every wait that has not finished its clean-up, ended on shutdown. */
  private readonly calls = new Set<WaitCall>();
  private readonly sessions = new Set<LockSession>();
  /** Traffic and recent holds, from the store's events, for the admin API. */
  readonly monitor = new LockMonitor();
  /** Which session keeps each session lease alive. */
  private readonly claims = new Map<string, LockSession>();
  private readonly sessionHost: SessionHost;
  private readonly waitHost: WaitHost;
  private isClosed = false;
  private readonly unsubscribe: () => void;
  private idle: (() => void) | undefined;

  constructor(
    readonly store: Store,
    readonly options: EngineOptions,
    private readonly log: (message: string) => void = (m) => console.error(m),
  ) {
    const onError = (error: unknown): void => this.log(`baton: background store call failed: ${String(error)}`);
    this.waiters = new WaiterRegistry(store, onError);
    this.heartbeats = new Heartbeats<WaitEvent>(options.waitHeartbeatMs ?? 15_000, (elapsedMs) => ({ type: "heartbeat", elapsedMs }));
    this.watchers = new WatchHub(store, onError);
    this.keeper = new LeaseKeeper(store);
    this.unsubscribe = store.subscribe((event) => this.onEvent(event));
    this.sessionHost = {
      store,
      options,
      keeper: this.keeper,
      startCall: (input, callOptions, listener) => this.startCall(input, callOptions, listener),
      release: (name, token) => this.release(name, token),
      refresh: (name, token, ttlMs) => this.refresh(name, token, ttlMs),
      tryAcquire: (input) => this.tryResolved(input),
      log,
      forget: (session) => this.sessions.delete(session),
      claim: (token, session) => {
        const previous = this.claims.get(token);
        if (previous !== undefined && previous !== session) previous.disown(token);
        this.claims.set(token, session);
      },
      unclaim: (token, session) => {
        if (this.claims.get(token) === session) this.claims.delete(token);
      },
    };
    this.waitHost = {
      store,
      waiters: this.waiters,
      heartbeats: this.heartbeats,
      keeper: this.keeper,
      refusal: (name, limit, result) => refusal(name, limit, result),
      log,
      closed: (call) => {
        this.calls.delete(call);
        if (this.calls.size === 0) this.idle?.();
      },
    };
  }

  /**
   * Opens a session: acquires, releases and refreshes by request id, with leases that live as
   * long as the session (see session.ts). End it with `session.end(graceMs)`.
   */
  openSession(events: SessionEvents): LockSession {
    if (this.isClosed) throw SHUTDOWN;
    const session = new LockSession(this.sessionHost, events);
    this.sessions.add(session);
    return session;
  }

  /** Takes a permit now (`waitUpToMs` 0), or after queueing up to `waitUpToMs` (unset: no limit). */
  async acquire(params: AcquireParams, signal: AbortSignal): Promise<LeaseRecord> {
    if (params.waitUpToMs === 0) return this.tryAcquire(params);
    const input = resolveRequest(params, this.options);
    return new Promise<LeaseRecord>((resolve, reject) => {
      // Quiet: a unary call cannot report positions, so nobody re-reads them for it.
      const call: WaitCall = this.startCall(input, { hold: false, quiet: true }, {
        event: (event) => {
          if (event.type !== "granted") return;
          call.delivered();
          resolve(event.lease);
        },
        end: (error) => {
          signal.removeEventListener("abort", onAbort);
          if (error !== undefined) reject(error);
          void call.close();
        },
      });
      // Given up while waiting: the call leaves the queue (or gives back a grant on its way).
      const onAbort = (): void => call.fail(signal.reason ?? new BatonError("canceled", "the call was cancelled", { reason: "CANCELLED" }));
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Takes a permit now or fails at once (`waitUpToMs` 0): nothing to give up while waiting, so
   * no signal, and a unary try-acquire need not make its call's AbortController.
   */
  async tryAcquire(params: AcquireParams): Promise<LeaseRecord> {
    return this.tryResolved(resolveRequest(params, this.options));
  }

  /** The try-acquire of a validated request (unary calls and sessions alike). */
  private async tryResolved(input: ResolvedRequest): Promise<LeaseRecord> {
    const result = await this.store.acquire({ ...input, token: newToken() });
    if (result.kind === "granted") return result.lease;
    if (result.kind === "queued") throw new BatonError("unavailable", "the store queued a try-acquire");
    throw refusal(input.name, input.limit, result);
  }

  /**
   * Starts a wait: joins the queue and reports to `listener` (see WaitCall). The caller must
   * `close()` the call when its stream ends. Throws at once for a request that fails validation.
   */
  startWait(params: AcquireParams, hold: boolean, listener: WaitListener): WaitCall {
    return this.startCall(resolveRequest(params, this.options), { hold, heartbeats: true }, listener);
  }

  /** Starts the one queued-acquire state machine for a validated request. */
  private startCall(input: ResolvedRequest, options: WaitOptions, listener: WaitListener): WaitCall {
    if (this.isClosed) throw SHUTDOWN;
    const call = new WaitCall(this.waitHost, input, options, listener);
    this.calls.add(call);
    call.start();
    return call;
  }

  /**
   * A wait as a stream of events: `queued`, then `granted`. With `hold` it then keeps the lease
   * alive until the consumer stops (releasing it) or the lease is lost (`lost`). Leaving the
   * iteration (or `signal`) leaves the queue at once. Throws at once for an invalid request.
   */
  wait(params: AcquireParams, hold: boolean, signal?: AbortSignal): AsyncIterableIterator<WaitEvent> {
    return this.waitAs(params, hold, signal, (event) => event);
  }

  /** `wait`, with each event turned by `map` into what the consumer reads (e.g. a wire message). */
  waitAs<T>(params: AcquireParams, hold: boolean, signal: AbortSignal | undefined, map: (event: WaitEvent) => T): AsyncIterableIterator<T> {
    const events = new WaitEvents<T>(signal, map);
    try {
      events.attach(this.startWait(params, hold, events));
    } catch (error) {
      events.end(error);
      throw error;
    }
    return events;
  }

  /** Releases a lease by its token. */
  async release(name: string, token: string): Promise<LeaseRecord> {
    const result = await this.store.release(checkName(name), checkToken(token));
    if (result.kind === "released") return result.lease;
    throw notHeld(name);
  }

  /**
   * Releases the oldest lease `owner` holds. Only for the compatibility layers, whose original
   * APIs name holders instead of presenting a token.
   */
  async releaseByOwner(name: string, owner: string): Promise<LeaseRecord | undefined> {
    const result = await this.store.releaseByOwner(checkName(name), checkOwner(owner));
    return result.kind === "released" ? result.lease : undefined;
  }

  /** Extends a lease to now + ttlMs (its own TTL when unset). */
  async refresh(name: string, token: string, ttlMs: number | undefined): Promise<LeaseRecord> {
    checkName(name);
    checkToken(token);
    const ttl = ttlMs === undefined ? undefined : resolveTtl(name, ttlMs, this.options);
    const result = await this.store.refresh(name, token, ttl);
    if (result.kind === "refreshed") return result.lease;
    throw notHeld(name);
  }

  /** Replaces the value a lease publishes (an election leader's proclaim). */
  async proclaim(name: string, token: string, value: string): Promise<LeaseRecord> {
    const result = await this.store.proclaim(checkName(name), checkToken(token), checkValue(value));
    if (result.kind === "proclaimed") return result.lease;
    throw notHeld(name);
  }

  /** The state of one lock. */
  describe(name: string): Promise<LockSnapshot> {
    return this.store.describe(checkName(name));
  }

  /** A page of locks by name; `pageToken` continues a previous page. */
  async list(prefix: string, pageSize: number, pageToken: string): Promise<{ locks: LockSnapshot[]; next: string }> {
    checkPrefix(prefix);
    if (pageSize > 1000) throw new BatonError("invalid_argument", `page_size must be at most 1000 (got ${pageSize})`, { metadata: { field: "page_size", max: "1000" } });
    const size = pageSize === 0 ? 100 : pageSize;
    const after = pageToken === "" ? "" : Buffer.from(pageToken, "base64url").toString();
    if (after !== "" && !after.startsWith(prefix)) throw invalid("page_token does not belong to this prefix; start again without it");
    const locks = await this.store.list({ prefix, after, limit: size });
    const last = locks.at(-1);
    return { locks, next: locks.length === size && last ? Buffer.from(last.name).toString("base64url") : "" };
  }

  /** Creates a lock under a random name, kept while idle. */
  async reserve(prefix: string, limit: number | undefined): Promise<{ name: string; limit: number }> {
    checkPrefix(prefix);
    const permits = checkLimit(limit, this.options) ?? 1;
    for (let attempt = 0; attempt < 3; attempt++) {
      const name = checkName(prefix + randomBytes(16).toString("hex"));
      const result = await this.store.reserve(name, permits);
      if (result.kind === "reserved") return { name, limit: result.limit };
    }
    throw new BatonError("unavailable", "could not find a free random name; retry");
  }

  /** Streams every change of the locks matching `name` or `prefix`; with `initial`, their state first. */
  async *watch(filter: { name: string; prefix: string; initial: boolean }, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    if (filter.name !== "") checkName(filter.name);
    checkPrefix(filter.prefix);
    const { channel, dispose } = this.open<WatchEvent>(signal);
    const remove = this.watchers.add(filter, (event) => channel.push(event));
    try {
      if (filter.initial) {
        const first = filter.name !== "" ? [await this.store.describe(filter.name)] : await this.listAll(filter.prefix);
        for (const lock of first) yield { kind: "snapshot", lock };
      }
      for (;;) yield await channel.next();
    } finally {
      remove();
      dispose();
    }
  }

  /**
   * Ends every stream with `unavailable`, releasing held leases; resolves when all are done, or
   * after `graceMs` if a store that stopped answering keeps their cleanup from finishing.
   */
  async close(graceMs = 5000): Promise<void> {
    this.isClosed = true;
    for (const channel of this.channels) channel.fail(SHUTDOWN);
    for (const call of this.calls) call.stop(SHUTDOWN);
    for (const call of this.calls) void call.close();
    const sessions = Promise.all([...this.sessions].map((s) => s.end(0, SHUTDOWN)));
    if (this.calls.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const done = new Promise<void>((resolve) => (this.idle = resolve));
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([done, late]);
      clearTimeout(timer);
    }
    await sessions;
    this.keeper.close();
    this.unsubscribe();
  }

  /** Whether close() has begun. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** What this instance serves now, counted from what it already tracks (for the admin API). */
  load(): EngineLoad {
    let sessionLeases = 0;
    let sessionWaits = 0;
    for (const session of this.sessions) {
      const { waiting, held } = session.counts;
      sessionWaits += waiting;
      sessionLeases += held;
    }
    return { sessions: this.sessions.size, sessionLeases, sessionWaits, waitCalls: this.calls.size, keptLeases: this.keeper.size, watchStreams: this.channels.size };
  }

  private onEvent(event: LockEvent): void {
    this.waiters.onEvent(event);
    this.watchers.onEvent(event);
    this.monitor.onEvent(event);
    // A kept lease that the store reports gone was lost by its keeper (its own releases stop
    // keeping it first).
    if ((event.kind === "expired" || event.kind === "released") && event.lease !== undefined) {
      this.keeper.lost(event.lease.token, event.kind === "expired" ? "the lease expired" : "the lease was released by someone else");
    }
  }

  private async listAll(prefix: string): Promise<LockSnapshot[]> {
    const all: LockSnapshot[] = [];
    for (let after = ""; ; ) {
      const page = await this.store.list({ prefix, after, limit: 500 });
      all.push(...page);
      const last = page.at(-1);
      if (page.length < 500 || last === undefined) return all;
      after = last.name;
    }
  }

  /**
   * A channel for one stream that ends when the caller's signal aborts or on shutdown: one
   * listener per stream, no AbortSignal.any.
   */
  private open<T>(signal: AbortSignal): { channel: Channel<T>; dispose: () => void } {
    const channel = new Channel<T>();
    if (this.isClosed) channel.fail(SHUTDOWN);
    const unfollow = channel.follow(signal);
    this.channels.add(channel as Channel<unknown>);
    return {
      channel,
      dispose: () => {
        unfollow();
        this.channels.delete(channel as Channel<unknown>);
      },
    };
  }
}

/** What an engine serves now: see LockEngine.load. */
export interface EngineLoad {
  sessions: number;
  sessionLeases: number;
  sessionWaits: number;
  waitCalls: number;
  keptLeases: number;
  watchStreams: number;
}

function notHeld(name: string): BatonError {
  return new BatonError(
    "failed_precondition",
    `this token holds no permit of "${name}": the lease expired, was released, or the token is wrong`,
    { reason: "NOT_HELD", metadata: { name } },
  );
}

/** The error for an acquire the store refused. */
function refusal(name: string, limit: number | undefined, result: Exclude<AcquireResult, { kind: "granted" | "queued" }>): BatonError {
  switch (result.kind) {
    case "busy": {
      // A busy lock has all its permits held (a queue forms only behind a full lock).
      const held = { name, limit: limit ?? result.holders.length, holders: result.holders, queueLength: result.queueLength };
      return new BatonError("aborted", busyMessage(name, limit, result.holders, result.queueLength), {
        reason: "LOCK_HELD",
        metadata: { name, queue_length: String(result.queueLength) },
        held,
      });
    }
    case "limit_mismatch":
      return new BatonError("failed_precondition", `"${name}" is in use with limit ${result.limit}; ask with that limit or none, or wait until it is idle`, {
        reason: "LIMIT_MISMATCH",
        metadata: { name, limit: String(result.limit) },
      });
    case "too_many_permits":
      return tooManyPermits(result.permits, result.limit);
    case "queue_full":
      return new BatonError("resource_exhausted", `the queue of "${name}" is full (${result.queueLength} waiting); retry later`, {
        reason: "QUEUE_FULL",
        metadata: { name, queue_length: String(result.queueLength) },
      });
  }
}
