import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { SessionRequestSchema, type SessionResponse } from "../gen/baton/lock/v1/session_pb.js";
import { holderFromProto, leaseFromProto } from "./convert.js";
import { LeaseLostError, hasCode, reasonOf } from "./errors.js";
import { SessionStream } from "./session-stream.js";
import type { SessionWire } from "./session-wire.js";
import type { Holder, Lease } from "./types.js";

/** What a session acquire needs besides the lock's name. */
export interface SessionAcquire {
  owner: string;
  ttlMs?: bigint;
  limit?: number;
  shared?: boolean;
  permits?: number;
  value?: string;
  /** 0 tries once, N waits that long, unset waits until granted or cancelled. */
  waitMs: bigint | undefined;
  signal?: AbortSignal;
  onQueued?: (event: { type: "queued"; position: number; queueLength: number; holders: Holder[] }) => void;
}

/** A lease the session holds, and how its holder hears that it was lost. */
interface Held {
  lease: Lease;
  /** The id of the request that gave the lease to the session (the server names it so in `lost`). */
  id: bigint;
  readonly lost: AbortController;
}

/** A lease watched for loss: `signal` aborts (reason: LeaseLostError) once it is lost. */
export interface LeaseGuard {
  readonly signal: AbortSignal;
  readonly lease: Lease;
  stop(): Promise<void>;
}

/**
 * The client's session (one at a time, on one Session stream): acquires, releases and refreshes
 * by id; the server keeps its leases alive while it lives, and the client never refreshes them
 * itself (one keep-alive, the server's). A lease is lost when the server says so, or, on this
 * process's clock, when the session may have lapsed on the server (see SessionStream's
 * `aliveUntilMs`: a paused or cut-off process learns it before the lock could be someone
 * else's). When a stream breaks, the next one takes the leases over by refreshing them; those the
 * server no longer holds, or all of them if that does not happen in time, are lost.
 */
export class ClientSession {
  private stream: SessionStream | undefined;
  private nextId = 1n;
  private readonly held = new Map<string, Held>();
  private watchdog: NodeJS.Timeout | undefined;
  /** While a broken stream's leases are being taken over: the time by which they must be. */
  private recoverBy: number | undefined;
  private holdOpen: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly wire: SessionWire,
    private readonly options: { ttlMs?: number; owner: string },
  ) {}

  /** Takes a permit; the lease lives as long as this session, or until released. */
  async acquire(name: string, options: SessionAcquire): Promise<Lease> {
    const { signal, onQueued } = options;
    signal?.throwIfAborted();
    const stream = this.open();
    const id = this.nextId++;
    const op = { case: "acquire" as const, value: { name, owner: options.owner, ttlMs: options.ttlMs, limit: options.limit, waitMs: options.waitMs, shared: options.shared ?? false, permits: options.permits, value: options.value ?? "" } };
    const queued = onQueued && ((r: SessionResponse) => r.result.case === "queued" && onQueued({ type: "queued", position: r.result.value.position, queueLength: r.result.value.queueLength, holders: r.result.value.holders.map(holderFromProto) }));
    let onAbort: (() => void) | undefined;
    const answer = stream.call(op, { onQueued: queued, reportPositions: onQueued !== undefined }, id);
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        // Leave the queue on the server; a grant that crosses this cancel is given back.
        stream.send(create(SessionRequestSchema, { id: this.nextId++, op: { case: "cancel", value: { requestId: id } } }));
        stream.forget(id);
        reject(new ConnectError("the call was cancelled", Code.Canceled));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    this.holdProcess(true);
    try {
      const response = await Promise.race([answer, aborted]);
      const lease = leaseFromProto(response.result.case === "acquired" ? response.result.value : undefined);
      if (performance.now() >= stream.aliveUntilMs || stream.broken) {
        // This process was paused or cut off past the session's TTL while it waited: the server
        // may have given the lock to someone else meanwhile. Never hand out such a grant.
        stream.send(create(SessionRequestSchema, { id: this.nextId++, op: { case: "release", value: { name: lease.name, token: lease.token } } }));
        this.lapse(stream);
        throw new ConnectError("the session lapsed while the grant was on its way (this process was paused or cut off for longer than the session's TTL); the grant was given back", Code.Unavailable);
      }
      this.keep(lease, id);
      return lease;
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
      this.holdProcess(false);
    }
  }

  /** Gives a permit back; resolves with its fencing token. */
  async release(name: string, token: string, options: { signal?: AbortSignal } = {}): Promise<bigint> {
    this.held.delete(token);
    const response = await this.request({ case: "release", value: { name, token } }, options.signal);
    return response.result.case === "released" ? response.result.value.fencing : 0n;
  }

  /** Extends a lease; from then on it is this session's (kept alive by the server). */
  async refresh(name: string, token: string, ttlMs: bigint | undefined, options: { signal?: AbortSignal } = {}): Promise<Lease> {
    const id = this.nextId++;
    const response = await this.request({ case: "refresh", value: { name, token, ttlMs } }, options.signal, id);
    const lease = leaseFromProto(response.result.case === "refreshed" ? response.result.value : undefined);
    const held = this.held.get(token);
    if (held !== undefined) held.lease = lease;
    else this.keep(lease, id);
    return lease;
  }

  /** Watches a lease of this session for loss (without refreshing it: the server does). */
  guard(lease: Lease): LeaseGuard {
    const held = this.held.get(lease.token);
    const lost = held?.lost ?? lostNow(lease, "this session does not hold the lease");
    return {
      signal: lost.signal,
      get lease() {
        return held?.lease ?? lease;
      },
      stop: async () => undefined,
    };
  }

  /** Ends the session cleanly: the server releases its leases at once. */
  close(): void {
    this.closed = true;
    clearTimeout(this.watchdog);
    this.held.clear();
    this.stream?.end();
    this.stream = undefined;
  }

  private async request(op: Parameters<SessionStream["call"]>[0], signal?: AbortSignal, id = this.nextId++): Promise<SessionResponse> {
    signal?.throwIfAborted();
    this.holdProcess(true);
    try {
      return await this.open().call(op, {}, id);
    } finally {
      this.holdProcess(false);
    }
  }

  private open(): SessionStream {
    if (this.closed) throw new ConnectError("the client is closed", Code.Canceled);
    if (this.stream === undefined || this.stream.broken) {
      const stream: SessionStream = new SessionStream(
        this.wire,
        {
          orphan: (response) => {
            // A grant that crossed our cancel: nobody wants it, so give it back.
            if (response.result.case !== "acquired") return;
            const { name, token } = response.result.value;
            stream.send(create(SessionRequestSchema, { id: this.nextId++, op: { case: "release", value: { name, token } } }));
          },
          lost: (id, reason) => {
            for (const [token, held] of this.held) if (held.id === id) this.lose(token, reason);
          },
          broken: (error) => this.broke(stream, error),
        },
        () => this.nextId++,
        { ttlMs: this.options.ttlMs, owner: this.options.owner },
      );
      this.stream = stream;
    }
    return this.stream;
  }

  private keep(lease: Lease, id: bigint): void {
    this.held.set(lease.token, { lease, id, lost: new AbortController() });
    this.armWatchdog();
  }

  private lose(token: string, why: string): void {
    const held = this.held.get(token);
    if (held === undefined) return;
    this.held.delete(token);
    const { lease } = held;
    held.lost.abort(new LeaseLostError(`lost the lease on "${lease.name}" (fencing ${lease.fencing}): ${why}`, lease.name, lease.fencing));
  }

  /** The session may have lapsed on the server: every lease is lost, the stream is given up. */
  private lapse(stream: SessionStream): void {
    for (const token of [...this.held.keys()]) this.lose(token, "the session may have lapsed on the server (no answer within its TTL: this process was paused, or the network cut off)");
    stream.abandon(new ConnectError("the session lapsed", Code.Unavailable));
    if (this.stream === stream) this.stream = undefined;
  }

  /** The time (monotonic ms) by which the session's leases are surely still its own. */
  private deadline(): number {
    const stream = this.stream;
    if (this.recoverBy !== undefined) return this.recoverBy;
    return stream === undefined ? Number.NEGATIVE_INFINITY : stream.aliveUntilMs;
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    if (this.held.size === 0 || this.closed) return;
    this.watchdog = setTimeout(() => {
      if (performance.now() >= this.deadline()) {
        if (this.stream !== undefined) this.lapse(this.stream);
        else for (const token of [...this.held.keys()]) this.lose(token, "the session could not be re-established before its TTL ran out");
        return;
      }
      this.armWatchdog();
    }, Math.max(1, this.deadline() - performance.now()));
    this.watchdog.unref();
  }

  /** A stream broke: take its leases over on a new one before the old session could lapse. */
  private broke(stream: SessionStream, error: ConnectError): void {
    if (this.stream === stream) this.stream = undefined;
    if (this.closed || this.held.size === 0) return;
    // The server ended the session itself (it is shutting down, or heard nothing for the TTL):
    // it has released the session's leases, so there is nothing to take over.
    const reason = reasonOf(error);
    if (reason === "SHUTTING_DOWN" || reason === "DEADLINE_EXCEEDED") {
      for (const token of [...this.held.keys()]) this.lose(token, `the server ended the session: ${error.rawMessage}`);
      return;
    }
    if (this.recoverBy !== undefined) return;
    this.recoverBy = stream.aliveUntilMs;
    void this.recover().finally(() => {
      this.recoverBy = undefined;
      this.armWatchdog();
    });
  }

  private async recover(): Promise<void> {
    const by = this.recoverBy!;
    while (this.held.size > 0 && !this.closed && performance.now() < by) {
      try {
        const stream = this.open();
        await Promise.all(
          [...this.held.values()].map(async (held) => {
            const id = this.nextId++;
            try {
              const response = await stream.call({ case: "refresh", value: { name: held.lease.name, token: held.lease.token } }, {}, id);
              if (response.result.case === "refreshed") {
                held.lease = leaseFromProto(response.result.value);
                held.id = id;
              }
            } catch (error) {
              if (hasCode(error, Code.FailedPrecondition)) this.lose(held.lease.token, "the server no longer holds it (it expired or was released while the connection was down)");
              else throw error;
            }
          }),
        );
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(200, Math.max(1, by - performance.now()))));
      }
    }
    for (const token of [...this.held.keys()]) this.lose(token, "the connection could not be re-established before the session's TTL ran out");
  }

  /** While calls are in flight, the process stays up to hear their answers. */
  private holdProcess(busy: boolean): void {
    if (busy) this.holdOpen ??= setInterval(() => {}, 1 << 30);
    else if (this.stream?.busy !== true) {
      clearInterval(this.holdOpen);
      this.holdOpen = undefined;
    }
  }
}

function lostNow(lease: Lease, why: string): AbortController {
  const lost = new AbortController();
  lost.abort(new LeaseLostError(`lost the lease on "${lease.name}" (fencing ${lease.fencing}): ${why}`, lease.name, lease.fencing));
  return lost;
}
