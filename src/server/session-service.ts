import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import {
  SessionResponseSchema,
  type SessionRequest,
  type SessionResponse,
} from "../gen/baton/v1/lock_pb.js";
import { BatonError } from "../engine/errors.js";
import { WAIT_FOREVER, type LockEngine, type LockSession } from "../engine/lock-engine.js";
import { Channel } from "../engine/channel.js";
import { holderToProto, leaseToProto } from "./convert.js";
import { toConnectError } from "./errors.js";

/**
 * How long the leases of a session whose stream broke (rather than closed) outlive it: long
 * enough to ride out a connection reset, short enough that a crashed client's locks come free
 * soon. Hard-coded until the config has a `sessionGraceMs` setting.
 */
export const SESSION_GRACE_MS = 5000;

/**
 * How long a session may send nothing (no request, no ping) before it is taken for dead: a client
 * that vanished without a FIN or RST (power loss, partition) would otherwise keep its leases
 * alive forever. Clients ping every third of it. Hard-coded until the config has `sessionIdleMs`.
 */
export const SESSION_IDLE_MS = 30_000;

/** Timing of sessions; the defaults above when unset. */
export interface SessionOptions {
  graceMs?: number;
  idleTimeoutMs?: number;
}

/** Thrown into the outbox once the client has closed its side and every answer is out. */
const FINISHED = Symbol("finished");

type Result = MessageInitShape<typeof SessionResponseSchema>["result"];

/**
 * The Session RPC: reads requests as they come and runs them concurrently (a queued acquire
 * must not hold up a release), answering each by its id; the session's leases live until the
 * stream ends. Errors answer their request; only a broken stream or a shutdown ends the RPC.
 */
export function sessionHandler(engine: LockEngine, log: (message: string) => void, options: SessionOptions = {}) {
  const graceMs = options.graceMs ?? SESSION_GRACE_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? SESSION_IDLE_MS;
  return async function* session(requests: AsyncIterable<SessionRequest>, ctx: Pick<HandlerContext, "signal">): AsyncGenerator<SessionResponse> {
    const out = new Channel<SessionResponse>();
    let lockSession: LockSession;
    try {
      lockSession = engine.openSession({
        queued: (id, position, queueLength, holders) =>
          out.push(reply(id, { case: "queued", value: { position, queueLength, holders: holders.map(holderToProto) } })),
        lost: (id, reason) => out.push(reply(id, { case: "lost", value: { reason } })),
        ended: (error) => out.fail(error),
      });
    } catch (error) {
      throw toConnectError(error, log);
    }
    const unfollow = out.follow(ctx.signal);
    // One timer per session, re-armed lazily: a message only updates the time it was seen.
    let lastSeenMs = Date.now();
    let idleTimer: NodeJS.Timeout | undefined;
    const checkIdle = (): void => {
      const quietMs = Date.now() - lastSeenMs;
      if (quietMs >= idleTimeoutMs) {
        broken = true;
        out.fail(new BatonError("deadline_exceeded", `no message from the client for ${idleTimeoutMs} ms; the session is taken for dead`));
        return;
      }
      idleTimer = setTimeout(checkIdle, idleTimeoutMs - quietMs);
    };
    idleTimer = setTimeout(checkIdle, idleTimeoutMs);
    let inFlight = 0;
    let inputDone = false;
    let broken = false;
    const settleOne = (): void => {
      if (--inFlight === 0 && inputDone) out.fail(FINISHED);
    };
    const run = (id: bigint, work: () => Promise<Result>): void => {
      inFlight++;
      work().then(
        (result) => out.push(reply(id, result)),
        (error: unknown) => out.push(errorReply(id, error, log)),
      ).finally(settleOne);
    };
    const dispatch = (req: SessionRequest): void => {
      lastSeenMs = Date.now();
      const op = req.op;
      if (op.case === "ping") return;
      if (op.case === "cancel") {
        lockSession.cancel(op.value.requestId);
        return;
      }
      if (req.id === 0n) {
        out.push(errorReply(0n, new BatonError("invalid_argument", "request id must not be 0; choose a fresh id per request"), log));
        return;
      }
      switch (op.case) {
        case "acquire": {
          const a = op.value;
          const waitMs = a.waitMs === -1n ? WAIT_FOREVER : Number(a.waitMs);
          const params = { name: a.name, owner: a.owner, ttlMs: ms(a.ttlMs), limit: a.limit, waitMs };
          return run(req.id, async () => ({ case: "acquired", value: { lease: leaseToProto(await lockSession.acquire(req.id, params, req.quiet)) } }));
        }
        case "release":
          return run(req.id, async () => ({ case: "released", value: { fencing: (await lockSession.release(op.value.name, op.value.token)).fencing } }));
        case "refresh": {
          const r = op.value;
          return run(req.id, async () => ({ case: "refreshed", value: { lease: leaseToProto(await lockSession.refresh(r.name, r.token, ms(r.ttlMs))) } }));
        }
        default:
          out.push(errorReply(req.id, new BatonError("invalid_argument", "the request names no operation (acquire, release, refresh, cancel or ping)"), log));
      }
    };
    const reading = (async () => {
      try {
        for await (const req of requests) dispatch(req);
      } catch (error) {
        broken = true;
        out.fail(error);
        return;
      }
      // A reset stream can look like a clean end of input; its close (which aborts ctx.signal)
      // follows within the same turn of I/O, so look once more before trusting the end.
      await new Promise((resolve) => setImmediate(resolve));
      if (ctx.signal.aborted) {
        broken = true;
        return;
      }
      // The client closed its side: it is done. Waits end now, leases are released now.
      inputDone = true;
      inFlight++;
      await lockSession.end(0);
      settleOne();
    })();
    try {
      yield reply(0n, { case: "opened", value: { graceMs: BigInt(graceMs), idleTimeoutMs: BigInt(idleTimeoutMs) } });
      for (;;) yield await out.next();
    } catch (error) {
      if (error !== FINISHED) {
        broken ||= ctx.signal.aborted;
        for (const message of out.drain()) yield message;
        throw toConnectError(error, log);
      }
      for (const message of out.drain()) yield message;
    } finally {
      unfollow();
      clearTimeout(idleTimer);
      // A stream that broke keeps its leases for the grace, in case the client comes back to
      // release them; one that ended cleanly has already given everything back.
      void lockSession.end(broken || ctx.signal.aborted ? graceMs : 0).catch((e: unknown) => log(`baton: ending a session failed: ${String(e)}`));
      void reading;
    }
  };
}

function reply(id: bigint, result: Result): SessionResponse {
  return create(SessionResponseSchema, { id, result });
}

function errorReply(id: bigint, error: unknown, log: (message: string) => void): SessionResponse {
  const connectError = toConnectError(error, log);
  return reply(id, { case: "error", value: { code: codeToString(connectError.code), message: connectError.rawMessage } });
}

/** An optional int64 duration as a number; out-of-range values stay unsafe and fail validation. */
function ms(value: bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
