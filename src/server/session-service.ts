import { randomBytes } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { SessionResponseSchema, type SessionRequest, type SessionResponse } from "../gen/baton/lock/v1/session_pb.js";
import { BatonError, invalid } from "../engine/errors.js";
import type { LockEngine, LockSession } from "../engine/lock-engine.js";
import { Channel } from "../engine/channel.js";
import { acquireParams, holderToProto, leaseToProto, optionalMs } from "./convert.js";
import { detailsAsAny, toConnectError } from "./errors.js";
import { sessionGuardKey } from "./auth/context-keys.js";

/** The TTL of a session that does not choose one (config `sessionTtl`). */
export const DEFAULT_SESSION_TTL_MS = 10_000;

/** Timing of sessions: the default TTL and the range a client's choice is clamped to. */
export interface SessionOptions {
  ttlMs?: number;
  minTtlMs?: number;
  maxTtlMs?: number;
}

/** Thrown into the outbox once the client has closed its side and every answer is out. */
const FINISHED = Symbol("finished");

type Result = MessageInitShape<typeof SessionResponseSchema>["result"];

/**
 * The Session RPC: reads requests as they come and runs them concurrently (a queued acquire must
 * not hold up a release), answering each by its id. The session lives while a message arrives at
 * least every TTL (the client's choice in `open`, else the default): when that passes with no
 * message, or `TTL` after the last message of a stream that broke, its leases are released; a
 * client that closes its side gives everything back at once. Errors answer their request; only a
 * broken stream, a silent client or a shutdown ends the RPC.
 */
export function sessionHandler(engine: LockEngine, log: (message: string) => void, options: SessionOptions = {}) {
  const defaultTtlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  const minTtlMs = options.minTtlMs ?? 1000;
  const maxTtlMs = options.maxTtlMs ?? 24 * 3_600_000;
  return async function* session(requests: AsyncIterable<SessionRequest>, ctx: Pick<HandlerContext, "signal"> & Partial<Pick<HandlerContext, "values">>): AsyncGenerator<SessionResponse> {
    // With keys configured, each operation is checked against the caller's scopes (auth/session-guard.ts).
    const guard = ctx.values?.get(sessionGuardKey);
    const out = new Channel<SessionResponse>();
    const sessionId = randomBytes(6).toString("hex");
    let ttlMs = defaultTtlMs;
    let owner = "";
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
    let silent = false;
    const checkIdle = (): void => {
      const quietMs = Date.now() - lastSeenMs;
      if (quietMs >= ttlMs) {
        silent = true;
        // The leases go now, whatever the stream is doing: a response the client does not read
        // can hold the stream (and this generator) open, but not the session's leases.
        void lockSession.end(0).catch((e: unknown) => log(`baton: ending silent session ${sessionId} failed: ${String(e)}`));
        out.fail(new BatonError("deadline_exceeded", `no message from the client for ${ttlMs} ms (the session's TTL); the session has ended and its leases are released`, {
          reason: "DEADLINE_EXCEEDED",
          metadata: { ttl_ms: String(ttlMs) },
        }));
        return;
      }
      idleTimer = setTimeout(checkIdle, ttlMs - quietMs);
    };
    idleTimer = setTimeout(checkIdle, ttlMs);
    let inFlight = 0;
    let inputDone = false;
    let first = true;
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
      const isFirst = first;
      first = false;
      if (op.case === "cancel") {
        lockSession.cancel(op.value.requestId);
        return;
      }
      if (op.case === "ping") {
        out.push(reply(req.id, { case: "pong", value: {} }));
        return;
      }
      if (req.id === 0n) {
        out.push(errorReply(0n, invalid("request id must not be 0; choose a fresh id per request", "id"), log));
        return;
      }
      const refused = guard?.(req);
      if (refused !== undefined) {
        out.push(errorReply(req.id, refused, log));
        return;
      }
      switch (op.case) {
        case "open": {
          if (!isFirst) {
            out.push(errorReply(req.id, invalid("open must be the session's first message", "open"), log));
            return;
          }
          const asked = optionalMs(op.value.ttlMs);
          if (asked !== undefined && (!Number.isSafeInteger(asked) || asked <= 0)) {
            out.push(errorReply(req.id, invalid(`open.ttl_ms must be a positive number of milliseconds (got ${asked}); leave it unset for ${defaultTtlMs}`, "ttl_ms"), log));
            return;
          }
          ttlMs = asked === undefined ? defaultTtlMs : Math.min(maxTtlMs, Math.max(minTtlMs, asked));
          owner = op.value.owner;
          clearTimeout(idleTimer);
          idleTimer = setTimeout(checkIdle, ttlMs);
          out.push(reply(req.id, { case: "opened", value: { ttlMs: BigInt(ttlMs), sessionId } }));
          return;
        }
        case "acquire": {
          const a = op.value;
          const params = acquireParams(a, owner);
          return run(req.id, async () => ({ case: "acquired", value: leaseToProto(await lockSession.acquire(req.id, params, !req.reportPositions)) }));
        }
        case "release":
          return run(req.id, async () => ({ case: "released", value: { fencing: (await lockSession.release(op.value.name, op.value.token)).fencing } }));
        case "refresh": {
          const r = op.value;
          return run(req.id, async () => ({ case: "refreshed", value: leaseToProto(await lockSession.refresh(req.id, r.name, r.token, optionalMs(r.ttlMs))) }));
        }
        default:
          out.push(errorReply(req.id, invalid("the request names no operation (open, acquire, release, refresh, cancel or ping)", "op"), log));
      }
    };
    let broken = false;
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
      // A stream that broke keeps its leases until the session's TTL has passed since the
      // client's last message, so a client that reconnects in time keeps them (by refreshing
      // them on its new session); a silent session has had its TTL already.
      const graceMs = silent || !(broken || ctx.signal.aborted) ? 0 : Math.max(0, lastSeenMs + ttlMs - Date.now());
      void lockSession.end(graceMs).catch((e: unknown) => log(`baton: ending session ${sessionId} failed: ${String(e)}`));
      void reading;
    }
  };
}

function reply(id: bigint, result: Result): SessionResponse {
  return create(SessionResponseSchema, { id, result });
}

function errorReply(id: bigint, error: unknown, log: (message: string) => void): SessionResponse {
  const connectError = toConnectError(error, log);
  return reply(id, {
    case: "error",
    value: { code: codeToString(connectError.code), message: connectError.rawMessage, details: detailsAsAny(connectError) },
  });
}
