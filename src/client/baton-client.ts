import * as os from "node:os";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { LockService } from "../gen/baton/lock/v1/lock_service_pb.js";
import { callScope, unlessAborted } from "./cancellation.js";
import { changeKindFromProto, leaseFromProto, lockFromProto, waitEventFromProto } from "./convert.js";
import { hasCode, int64 } from "./errors.js";
import { keepLeaseAlive, type KeepAliveOptions, type LeaseKeeper } from "./keep-alive.js";
import { createTransports, type BatonTransports, type TransportOptions } from "./transport.js";
import type { AcquireOptions, CallOptions, CampaignOptions, Leader, Lease, LockChange, LockInfo, WaitEvent, WaitOptions, WatchOptions } from "./types.js";
import { ElectionCalls } from "./elections.js";
import { withLock, type WithLockOptions } from "./with-lock.js";
import { ClientSession } from "./session.js";
import { RendezvousClient } from "./rendezvous.js";

/** Options of `createBatonClient`. */
export interface BatonClientOptions extends TransportOptions {
  /** The owner named by this client's requests unless a call names one; default user@host:pid. */
  owner?: string;
  /**
   * The session's TTL: how long the server keeps this client's leases after it last heard from
   * it (the client pings every third of it). Unset: the server's default (`sessionTtl`, 10 s).
   */
  sessionTtlMs?: number;
}

/** What identifies a lease to `release` and `refresh`: a Lease, or its name and token. */
export type LeaseRef = Pick<Lease, "name" | "token">;

/** The owner a client names by default: who and where, so `baton describe` tells people something. */
export function defaultOwner(): string {
  let user = "unknown";
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): the host and pid still say enough.
  }
  return `${user}@${os.hostname()}:${process.pid}`;
}

/**
 * A typed Baton LockService client. Errors from the server are ConnectErrors whose `code` follows
 * DESIGN §2 (`aborted`: held; `failed_precondition`: the token holds nothing; …) and whose
 * `rawMessage` is the server's explanation. See types.ts for the units and types used.
 *
 * Over HTTP/2 (Connect or gRPC) acquire, release and refresh travel on one Session stream, and
 * the leases belong to this client's session: the server keeps them alive until they are
 * released, the client is closed (released at once) or its connection dies (released after the
 * server's grace). Over HTTP/1.1 and gRPC-Web every operation is a unary call and a lease lives
 * by its TTL.
 */
export class BatonClient {
  private readonly unary: Client<typeof LockService>;
  private readonly streams: Client<typeof LockService>;
  /** Over HTTP/2: the Session stream that carries acquire, release and refresh. */
  private readonly session: ClientSession | undefined;
  readonly owner: string;
  /** Signals, waits, subscriptions, barriers and readiness probes. */
  readonly rendezvous: RendezvousClient;
  /** When the request of a lease taken by a unary call was sent, on this process's monotonic clock. */
  private readonly sentAt = new WeakMap<Lease, number>();
  private readonly elections: ElectionCalls;

  constructor(
    private readonly transports: BatonTransports,
    options: { owner?: string; sessionTtlMs?: number } = {},
  ) {
    this.unary = createClient(LockService, transports.unary);
    this.streams = createClient(LockService, transports.streams);
    this.owner = options.owner ?? defaultOwner();
    this.rendezvous = new RendezvousClient(transports.unary, transports.streams, this.owner);
    this.elections = new ElectionCalls(transports.unary, transports.streams);
    this.session = transports.session === undefined ? undefined : new ClientSession(transports.session, { ttlMs: options.sessionTtlMs, owner: this.owner });
  }

  /**
   * Takes a permit of `name`, waiting for it as `options.waitMs` says (default: until granted).
   * A try comes first, so an uncontended acquire is one unary call; a contended one then joins
   * the FIFO queue on a Wait stream. Rejects with `aborted` when `waitMs` is 0 and no permit is
   * free, `deadline_exceeded` when the wait runs out.
   */
  async acquire(name: string, options: AcquireOptions = {}): Promise<Lease> {
    const waitMs = options.waitMs ?? Number.POSITIVE_INFINITY;
    if (!(waitMs >= 0)) throw new ConnectError(`waitMs must be 0 or more (got ${waitMs})`, Code.InvalidArgument);
    if (this.session !== undefined) {
      return this.session.acquire(name, {
        ...this.acquireFields(options),
        waitMs: waitMs === Number.POSITIVE_INFINITY ? undefined : int64(waitMs, "waitMs"),
        signal: options.signal,
        onQueued: options.onQueued,
      });
    }
    try {
      return await this.try(name, options);
    } catch (error) {
      if (waitMs === 0 || !hasCode(error, Code.Aborted)) throw error;
    }
    const wait = waitMs === Number.POSITIVE_INFINITY ? undefined : waitMs;
    for await (const event of this.wait(name, { ...options, waitMs: wait, hold: false })) {
      if (event.type === "queued") options.onQueued?.(event);
      else if (event.type === "granted") return event.lease;
    }
    throw new ConnectError(`the wait for "${name}" ended without a grant`, Code.Unavailable);
  }

  /** Takes a permit of `name` if one is free now; resolves with null when the lock is held. */
  async tryAcquire(name: string, options: Omit<AcquireOptions, "waitMs" | "onQueued"> = {}): Promise<Lease | null> {
    try {
      return await this.try(name, options);
    } catch (error) {
      if (hasCode(error, Code.Aborted)) return null;
      throw error;
    }
  }

  /** Gives a permit back; resolves with its fencing token. `failed_precondition` if it holds nothing. */
  async release(lease: LeaseRef, options: CallOptions = {}): Promise<bigint> {
    if (this.session !== undefined) return this.session.release(lease.name, lease.token, options);
    const reply = await this.unary.release({ name: lease.name, token: lease.token }, options);
    return reply.fencing;
  }

  /**
   * Ends leases of `name` without their tokens (the `admin` scope, on a server with keys): every
   * lease, or only the one with `fencing`. Resolves with the fencing tokens and owners ended.
   */
  async forceRelease(name: string, options: CallOptions & { fencing?: bigint; reason?: string } = {}): Promise<{ owner: string; fencing: bigint }[]> {
    const reply = await this.unary.forceRelease({ name, fencing: options.fencing, reason: options.reason ?? "" }, options);
    return reply.released.map((h) => ({ owner: h.owner, fencing: h.fencing }));
  }

  /** Extends a lease to now + `ttlMs` (its own TTL when unset); resolves with the extended lease. */
  async refresh(lease: LeaseRef, ttlMs?: number, options: CallOptions = {}): Promise<Lease> {
    const ttl = ttlMs === undefined ? undefined : int64(ttlMs, "ttlMs");
    if (this.session !== undefined) return this.session.refresh(lease.name, lease.token, ttl, options);
    const reply = await this.unary.refresh({ name: lease.name, token: lease.token, ttlMs: ttl }, options);
    return leaseFromProto(reply.lease);
  }

  /** The state of one lock: limit, holders (without tokens), waiters in queue order. */
  async describe(name: string, options: CallOptions = {}): Promise<LockInfo> {
    const reply = await this.unary.describe({ name }, options);
    return lockFromProto(reply.lock);
  }

  /** Every lock that is held, waited for or reserved, whose name starts with `prefix`, by name. */
  async *list(prefix = "", options: CallOptions & { pageSize?: number } = {}): AsyncGenerator<LockInfo> {
    let pageToken = "";
    do {
      const page = await this.unary.list({ prefix, pageSize: options.pageSize ?? 0, pageToken }, options);
      for (const lock of page.locks) yield lockFromProto(lock);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
  }

  /** Creates a lock under a random, unguessable name (after `prefix`) that is kept while idle. */
  async reserve(options: CallOptions & { prefix?: string; limit?: number } = {}): Promise<{ name: string; limit: number }> {
    const reply = await this.unary.reserve({ prefix: options.prefix ?? "", limit: options.limit }, options);
    return { name: reply.name, limit: reply.limit };
  }

  /**
   * Joins the queue of `name` and yields its position (on joining and on every change), then the
   * grant. Ending the iteration early (break, throw, signal) cancels the stream: a waiter leaves
   * the queue at once. Without `hold` the stream is read to its end before the grant is yielded,
   * so the server never sees a grant cancelled in flight; with `hold` the server keeps the lease
   * until the iteration ends.
   */
  async *wait(name: string, options: WaitOptions = {}): AsyncGenerator<WaitEvent> {
    const hold = options.hold ?? false;
    const request = {
      name,
      owner: options.owner ?? this.owner,
      ttlMs: options.ttlMs === undefined ? undefined : int64(options.ttlMs, "ttlMs"),
      limit: options.limit,
      shared: options.shared ?? false,
      permits: options.permits,
      value: options.value ?? "",
      waitMs: options.waitMs === undefined ? undefined : int64(options.waitMs, "waitMs"),
      hold,
    };
    let granted: Lease | undefined;
    const call = callScope(options.signal);
    try {
      for await (const message of this.streams.wait(request, { signal: call.signal })) {
        const event = waitEventFromProto(message);
        if (event === undefined) continue;
        if (event.type === "granted" && !hold) granted = event.lease;
        else yield event;
      }
    } catch (error) {
      // A stream that breaks after the grant still granted: the lease is ours until its TTL.
      // But a caller that gave up will never use it: give it back rather than leak it.
      if (granted !== undefined && options.signal?.aborted === true) {
        const { name: lockName, token } = granted;
        void this.unary.release({ name: lockName, token }).catch(() => undefined);
        granted = undefined;
      }
      if (granted === undefined) throw error;
    } finally {
      call.end();
    }
    if (granted !== undefined) yield { type: "granted", lease: granted };
  }

  /** Streams every change of the lock `name`, or of the locks under `prefix` (all locks by default). */
  async *watch(options: WatchOptions = {}): AsyncGenerator<LockChange> {
    const request = { name: options.name ?? "", prefix: options.prefix ?? "", initial: options.initial ?? false };
    const call = callScope(options.signal);
    try {
      for await (const message of this.streams.watch(request, { signal: call.signal })) {
        const kind = changeKindFromProto(message.kind);
        if (kind !== undefined) yield { kind, lock: lockFromProto(message.lock) };
      }
    } finally {
      call.end();
    }
  }

  /**
   * Watches `lease` until `stop()`; its `signal` aborts (reason: LeaseLostError) if the lease is
   * lost. Over a session the server keeps the lease alive and the client only watches (the
   * server's word, and the session's conservative deadline); without one, the client refreshes
   * it every third of its TTL (see keep-alive.ts). One keep-alive either way, never two.
   */
  keepAlive(lease: Lease, options: KeepAliveOptions = {}): LeaseKeeper {
    if (this.session !== undefined) return this.session.guard(lease);
    return keepLeaseAlive(lease, (l, call) => this.refresh(l, undefined, call), { ...options, sentAtMs: this.sentAt.get(lease) });
  }

  /**
   * Runs `fn` holding a lease on `name`, kept alive while it runs and released when it settles;
   * `fn`'s signal aborts if the lease is lost. See with-lock.ts for the details.
   */
  withLock<T>(name: string, fn: (signal: AbortSignal, lease: Lease) => Promise<T> | T, options: WithLockOptions = {}): Promise<T> {
    return withLock(
      {
        acquire: (n, o) => this.acquire(n, o),
        keepAlive: (l) => this.keepAlive(l, options),
        release: (l) => this.release(l),
      },
      name,
      fn,
      options,
    );
  }

  /**
   * Campaigns in the election `name` (the lock of that name, limit 1) and resolves once this
   * client leads: the lease's `fencing` is the term, its token the leader key. Over HTTP/2 the
   * leadership belongs to this client's session and ends when the client dies; over HTTP/1.1 it
   * lives by its TTL (keep it with `keepAlive`).
   */
  campaign(name: string, options: CampaignOptions = {}): Promise<Lease> {
    const { value, ...rest } = options;
    return this.acquire(name, { ...rest, value: value ?? "", limit: 1 });
  }

  /** Publishes a new value as the leader holding `lease`; `failed_precondition` if it no longer leads. */
  proclaim(lease: LeaseRef, value: string, options: CallOptions = {}): Promise<Leader> {
    return this.elections.proclaim(lease, value, options);
  }

  /** Gives up leadership; the next candidate leads at once. Resolves with the term that ended. */
  resign(lease: LeaseRef, options: CallOptions = {}): Promise<bigint> {
    return this.release(lease, options);
  }

  /** The current leader of `name`, or null. */
  leader(name: string, options: CallOptions = {}): Promise<Leader | null> {
    return this.elections.leader(name, options);
  }

  /** The leader of `name` now (null for none), then every change of leader, term or value. */
  observe(name: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Leader | null> {
    return this.elections.observe(name, options.signal);
  }

  /** Closes the client's connections; calls in flight fail. */
  close(): void {
    this.session?.close();
    this.transports.close();
  }

  private acquireFields(options: Omit<AcquireOptions, "waitMs" | "onQueued">) {
    return {
      owner: options.owner ?? this.owner,
      ttlMs: options.ttlMs === undefined ? undefined : int64(options.ttlMs, "ttlMs"),
      limit: options.limit,
      shared: options.shared ?? false,
      permits: options.permits,
      value: options.value ?? "",
    };
  }

  private async try(name: string, options: Omit<AcquireOptions, "waitMs" | "onQueued">): Promise<Lease> {
    if (this.session !== undefined) return this.session.acquire(name, { ...this.acquireFields(options), waitMs: 0n, signal: options.signal });
    const request = { name, ...this.acquireFields(options), waitMs: 0n };
    const sentAtMs = performance.now();
    // The call itself is not cancelled by the signal: a grant already on its way would then be
    // dropped here and held by nobody until its TTL. The caller is let go at once instead, and a
    // grant that arrives after it gave up is given back.
    const call = this.unary.acquire(request);
    const reply = options.signal === undefined ? await call : await unlessAborted(call, options.signal, (late) => {
      void this.unary.release({ name: late.lease?.name ?? name, token: late.lease?.token ?? "" }).catch(() => undefined);
    });
    const lease = leaseFromProto(reply.lease);
    // The lease is surely valid until sentAt + TTL on this clock (the server granted it after).
    this.sentAt.set(lease, sentAtMs);
    return lease;
  }
}

/**
 * A client for the Baton server at `url` (default http://127.0.0.1:7070). Connect over HTTP/1.1
 * unless `options` say otherwise; call `close()` when done.
 */
export function createBatonClient(url = "http://127.0.0.1:7070", options: BatonClientOptions = {}): BatonClient {
  return new BatonClient(createTransports(url, options), { owner: options.owner, sessionTtlMs: options.sessionTtlMs });
}
