import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import { SessionRequestSchema, type SessionError, type SessionRequest, type SessionResponse } from "../gen/baton/lock/v1/session_pb.js";
import type { SessionWire } from "./session-wire.js";

/** One request's operation on the Session stream. */
export type Op = MessageInitShape<typeof SessionRequestSchema>["op"];

/** What the session hears from one of its streams. */
export interface StreamEvents {
  /** The server's answer to a request nobody waits for (a grant that crossed a cancel). */
  orphan(response: SessionResponse): void;
  /** A lease of the session was lost on the server (`lost`, by the id that gave it). */
  lost(id: bigint, reason: string): void;
  /** The stream broke or ended; every call in flight has failed. */
  broken(error: ConnectError): void;
}

interface Pending {
  sentAtMs: number;
  resolve(response: SessionResponse): void;
  reject(error: unknown): void;
  onQueued?: ((response: SessionResponse) => void) | undefined;
}

/**
 * One Session stream: requests out, answers back by id, pings every third of the session's TTL.
 * It keeps the session's conservative liveness: `aliveUntil` (on this process's monotonic clock)
 * is the send time of the latest request that got an answer, plus the TTL, minus a margin; the
 * server keeps the session (and its leases) alive at least that long, because it heard that
 * request after it was sent. Past it, nothing this stream says about leases can be trusted.
 */
export class SessionStream {
  broken = false;
  /** Monotonic ms until which the session is surely alive on the server. */
  aliveUntilMs: number;
  ttlMs: number;
  private readonly pending = new Map<bigint, Pending>();
  private readonly outbox: SessionRequest[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private pinger: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();

  constructor(
    wire: SessionWire,
    private readonly events: StreamEvents,
    private readonly nextId: () => bigint,
    open: { ttlMs: number | undefined; owner: string },
  ) {
    // Until the server says, assume the TTL asked for (or the servers' default, 10 s).
    this.ttlMs = open.ttlMs ?? 10_000;
    this.aliveUntilMs = performance.now() + this.ttlMs - margin(this.ttlMs);
    void this.read(wire(this.requests(), this.abort.signal));
    void this.call({ case: "open", value: { ttlMs: open.ttlMs === undefined ? undefined : BigInt(open.ttlMs), owner: open.owner } }).then(
      (answer) => {
        if (answer.result.case !== "opened") return;
        this.ttlMs = Number(answer.result.value.ttlMs);
        this.pinger = setInterval(() => void this.call({ case: "ping", value: {} }).catch(() => undefined), Math.max(10, Math.floor(this.ttlMs / 3)));
        this.pinger.unref();
      },
      () => undefined,
    );
  }

  /** Sends a request and resolves with its final answer; an `error` answer rejects. */
  call(op: Op, options: { onQueued?: (response: SessionResponse) => void; reportPositions?: boolean } = {}, id = this.nextId()): Promise<SessionResponse> {
    return new Promise((resolve, reject) => {
      if (this.broken) return reject(new ConnectError("the session stream broke", Code.Unavailable));
      this.pending.set(id, { sentAtMs: performance.now(), resolve, reject, onQueued: options.onQueued });
      this.send(create(SessionRequestSchema, { id, op, reportPositions: options.reportPositions === true }));
    });
  }

  /** Sends a request nobody waits an answer for (cancel; a release of an unwanted grant). */
  send(request: SessionRequest): void {
    if (this.ended) return;
    this.outbox.push(request);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Stops waiting for `id`'s answer (the caller gave up); a late answer becomes an orphan. */
  forget(id: bigint): void {
    this.pending.delete(id);
  }

  /** Whether requests are waiting for answers (the process should stay up to hear them). */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Half-closes the stream (the server then releases the session's leases) and stops soon after. */
  end(): void {
    this.ended = true;
    this.fail(new ConnectError("the client is closed", Code.Canceled));
    // Give the half-close a moment to reach the server before the stream is torn down.
    setTimeout(() => this.abort.abort(), 1000).unref();
  }

  /** Gives the stream up (the session's deadline passed): nothing it says is trusted any more. */
  abandon(error: ConnectError): void {
    this.ended = true;
    this.fail(error);
    this.abort.abort();
  }

  private async *requests(): AsyncGenerator<SessionRequest> {
    for (;;) {
      const next = this.outbox.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.ended) return;
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
    if (this.broken) return;
    const { result } = response;
    if (result.case === "lost") return this.events.lost(response.id, result.value.reason);
    const pending = this.pending.get(response.id);
    if (pending === undefined) return this.events.orphan(response);
    // The server heard this request after it was sent: the session lives at least a TTL past it.
    this.aliveUntilMs = Math.max(this.aliveUntilMs, pending.sentAtMs + this.ttlMs - margin(this.ttlMs));
    if (result.case === "queued") return pending.onQueued?.(response);
    this.pending.delete(response.id);
    if (result.case === "error") pending.reject(sessionError(result.value));
    else pending.resolve(response);
  }

  private fail(error: ConnectError): void {
    if (this.broken) return;
    this.broken = true;
    clearInterval(this.pinger);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
    this.ended = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    this.events.broken(error);
  }
}

/**
 * How much earlier than `sent + TTL` the client gives a session up: the server's timers and this
 * process's are both late sometimes (the Go client measured 7 of 50 loaded runs where a margin of
 * zero let the server re-grant a lease before its old holder saw it lost).
 */
export function margin(ttlMs: number): number {
  return Math.max(10, Math.floor(ttlMs * 0.02));
}

/** A session's error answer as the ConnectError a unary call would have raised, details included. */
function sessionError(error: SessionError): ConnectError {
  const e = new ConnectError(error.message, codeFromString(error.code) ?? Code.Unknown);
  e.details = error.details.map((d) => ({ type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1), value: d.value }));
  return e;
}
