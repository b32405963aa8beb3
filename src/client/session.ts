import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import { SessionRequestSchema, type SessionError, type SessionRequest, type SessionResponse } from "../gen/baton/lock/v1/session_pb.js";
import type { SessionWire } from "./session-wire.js";
import { holderFromProto, leaseFromProto } from "./convert.js";
import type { Holder, Lease } from "./types.js";

type Op = MessageInitShape<typeof SessionRequestSchema>["op"];

/** One request waiting for its answer. */
interface Pending {
  resolve(response: SessionResponse): void;
  reject(error: unknown): void;
  onQueued?: (event: { type: "queued"; position: number; queueLength: number; holders: Holder[] }) => void;
}

/** Cancellation and a time limit for one request (its answer is then ignored). */
export interface CallLimits {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What a session acquire needs besides the lock's name. */
export interface SessionAcquire {
  owner: string;
  ttlMs?: bigint;
  limit?: number;
  /** 0 tries once, N waits that long, unset waits until granted or cancelled. */
  waitMs: bigint | undefined;
  signal?: AbortSignal;
  onQueued?: Pending["onQueued"];
}

/**
 * The client's end of a Session stream: one HTTP/2 stream that carries every acquire, release
 * and refresh as a message tagged with an id. Leases taken here belong to the session: the server
 * keeps them alive while it lives and releases them when it ends. Opened on first use; when the
 * stream breaks, calls in flight fail with `unavailable`, the leases it held are reported lost
 * (the server releases them after its grace), and the next call opens a new stream.
 */
export class ClientSession {
  private stream: Stream | undefined;
  private nextId = 1n;

  constructor(private readonly wire: SessionWire) {}

  /** Takes a permit; the lease lives as long as this session, or until released. */
  async acquire(name: string, options: SessionAcquire): Promise<Lease> {
    const { signal, onQueued } = options;
    signal?.throwIfAborted();
    const stream = this.open();
    const id = this.nextId++;
    const op: Op = { case: "acquire", value: { name, owner: options.owner, ttlMs: options.ttlMs, limit: options.limit, waitMs: options.waitMs } };
    // Nobody listens for positions: ask the server not to send their changes.
    const quiet = onQueued === undefined;
    // Tell the server to take the acquire out of the queue; the call itself fails at once.
    const cancel = (): void => stream.send(0n, { case: "cancel", value: { requestId: id } });
    signal?.addEventListener("abort", cancel, { once: true });
    try {
      const response = await stream.call(id, op, onQueued, { signal }, quiet);
      const lease = leaseFromProto(response.result.case === "acquired" ? response.result.value : undefined);
      stream.owned.set(lease.token, id);
      return lease;
    } finally {
      signal?.removeEventListener("abort", cancel);
    }
  }

  /** Gives a permit back; resolves with its fencing token. */
  async release(name: string, token: string, options: CallLimits = {}): Promise<bigint> {
    this.stream?.owned.delete(token);
    this.stream?.lost.delete(token);
    const response = await this.open().call(this.nextId++, { case: "release", value: { name, token } }, undefined, options);
    return response.result.case === "released" ? response.result.value.fencing : 0n;
  }

  /** Extends a lease; a lease whose session broke is lost and refreshing it fails. */
  async refresh(name: string, token: string, ttlMs: bigint | undefined, options: CallLimits = {}): Promise<Lease> {
    if (this.stream?.lost.has(token) === true) {
      throw new ConnectError("the session that held this lease ended; the server releases it", Code.FailedPrecondition);
    }
    const response = await this.open().call(this.nextId++, { case: "refresh", value: { name, token, ttlMs } }, undefined, options);
    return leaseFromProto(response.result.case === "refreshed" ? response.result.value : undefined);
  }

  /** Ends the session cleanly: the server releases its leases at once. */
  close(): void {
    this.stream?.end();
    this.stream = undefined;
  }

  private open(): Stream {
    if (this.stream === undefined || this.stream.broken) {
      const lost = this.stream?.lostTokens() ?? new Set<string>();
      this.stream = new Stream(this.wire, lost, () => this.nextId++);
    }
    return this.stream;
  }
}

/** One Session stream and the requests in flight on it. */
class Stream {
  readonly owned = new Map<string, bigint>();
  broken = false;
  private readonly pending = new Map<bigint, Pending>();
  private readonly outbox: SessionRequest[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private holdOpen: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();

  constructor(
    wire: SessionWire,
    /** Tokens of leases lost with earlier streams; refreshing them must fail, not succeed elsewhere. */
    readonly lost: Set<string>,
    /** The session's request ids, shared by the client's calls and the stream's own releases. */
    private readonly nextId: () => bigint,
  ) {
    void this.read(wire(this.requests(), this.abort.signal));
    this.send(this.nextId(), { case: "open", value: {} });
  }

  /** Sends a request and resolves with its final answer; `error` answers reject. */
  call(id: bigint, op: Op, onQueued?: Pending["onQueued"], limits: CallLimits = {}, quiet = false): Promise<SessionResponse> {
    return new Promise((resolve, reject) => {
      if (this.broken) return reject(new ConnectError("the session stream broke", Code.Unavailable));
      const { signal, timeoutMs } = limits;
      if (signal?.aborted) return reject(new ConnectError("the call was cancelled", Code.Canceled));
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (this.pending.size === 0) {
          clearInterval(this.holdOpen);
          this.holdOpen = undefined;
        }
      };
      const stop = (error: ConnectError): void => {
        if (!this.pending.delete(id)) return;
        cleanup();
        reject(error);
      };
      const onAbort = (): void => stop(new ConnectError("the call was cancelled", Code.Canceled));
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => stop(new ConnectError(`no answer within ${timeoutMs} ms`, Code.DeadlineExceeded)), timeoutMs);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        resolve: (response) => {
          cleanup();
          resolve(response);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
        onQueued,
      });
      // While a call is in flight the process stays up to hear its answer.
      this.holdOpen ??= setInterval(() => {}, 1 << 30);
      this.send(id, op, quiet);
    });
  }

  send(id: bigint, op: Op, quiet = false): void {
    if (this.closed) return;
    this.outbox.push(create(SessionRequestSchema, { id, op, reportPositions: !quiet }));
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Half-closes the stream (the server then releases the leases), and stops reading soon after. */
  end(): void {
    this.closed = true;
    this.broken = true;
    this.wake?.();
    this.fail(new ConnectError("the client is closed", Code.Canceled));
    // Give the half-close a moment to reach the server before the stream is torn down.
    setTimeout(() => this.abort.abort(), 1000).unref();
  }

  lostTokens(): Set<string> {
    for (const token of this.owned.keys()) this.lost.add(token);
    return this.lost;
  }

  private async *requests(): AsyncGenerator<SessionRequest> {
    for (;;) {
      const next = this.outbox.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private async read(responses: AsyncIterable<SessionResponse>): Promise<void> {
    try {
      for await (const response of responses) this.deliver(response);
      this.fail(new ConnectError("the session stream ended", Code.Unavailable));
    } catch (error) {
      this.fail(error instanceof ConnectError ? error : new ConnectError(String(error), Code.Unavailable));
    }
  }

  private deliver(response: SessionResponse): void {
    const { result } = response;
    if (result.case === "pong") return;
    if (result.case === "opened") {
      // The server takes a silent session for dead after its TTL: ping every third.
      const idleMs = Number(result.value.ttlMs);
      if (idleMs > 0 && this.pinger === undefined) {
        this.pinger = setInterval(() => this.send(0n, { case: "ping", value: {} }), Math.max(10, Math.floor(idleMs / 3)));
        this.pinger.unref();
      }
      return;
    }
    if (result.case === "lost") {
      for (const [token, id] of this.owned) {
        if (id === response.id) {
          this.owned.delete(token);
          this.lost.add(token);
        }
      }
      return;
    }
    const pending = this.pending.get(response.id);
    if (pending === undefined) {
      // A grant that crossed our cancel (or timeout): nobody wants it, so give it back.
      if (result.case === "acquired") {
        const { name, token } = result.value;
        this.send(this.nextId(), { case: "release", value: { name, token } });
      }
      return;
    }
    switch (result.case) {
      case "queued":
        pending.onQueued?.({
          type: "queued",
          position: result.value.position,
          queueLength: result.value.queueLength,
          holders: result.value.holders.map(holderFromProto),
        });
        return;
      case "error":
        this.pending.delete(response.id);
        pending.reject(sessionError(result.value));
        return;
      default:
        this.pending.delete(response.id);
        pending.resolve(response);
    }
  }

  private fail(error: ConnectError): void {
    this.broken = true;
    clearInterval(this.pinger);
    for (const token of this.owned.keys()) this.lost.add(token);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
    this.closed = true;
    this.wake?.();
  }
}

/** A session's error answer as the ConnectError a unary call would have raised, details included. */
function sessionError(error: SessionError): ConnectError {
  const e = new ConnectError(error.message, codeFromString(error.code) ?? Code.Unknown);
  e.details = error.details.map((d) => ({ type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1), value: d.value }));
  return e;
}
