import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { LockHeld } from "../gen/baton/lock/v1/lock_pb.js";
import { LockHeldSchema } from "../gen/baton/lock/v1/lock_pb.js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { holderFromProto } from "./convert.js";
import type { Holder } from "./types.js";

/**
 * Why a lease was lost: the server no longer knows its token (it expired or was released by
 * someone holding the token), or no refresh reached the server before the lease's deadline.
 * It is the `reason` of the AbortSignal that `withLock` hands to its function.
 */
export class LeaseLostError extends Error {
  constructor(
    message: string,
    /** The lock's name. */
    readonly lockName: string,
    /** The fencing token of the lost lease. */
    readonly fencing: bigint,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LeaseLostError";
  }
}

/** True when `error` is a ConnectError with the given code. */
export function hasCode(error: unknown, code: Code): boolean {
  return error instanceof ConnectError && error.code === code;
}

/** A milliseconds option as the int64 the API wants; junk is `invalid_argument` before any call. */
export function int64(ms: number, field: string): bigint {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new ConnectError(`${field} must be a whole, non-negative number of milliseconds (got ${ms})`, Code.InvalidArgument);
  }
  return BigInt(ms);
}

/**
 * The reason of a server's error (`ErrorInfo.reason`, e.g. "LOCK_HELD", "NOT_HELD", "QUEUE_FULL":
 * see proto/baton/errors/v1/errors.proto), or undefined for an error that did not come from a
 * Baton server (a broken connection).
 */
export function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  return error.findDetails(ErrorInfoSchema).find((info) => info.domain === "baton")?.reason;
}

/** Who holds the lock, for a LOCK_HELD error; undefined otherwise. */
export function heldBy(error: unknown): { name: string; limit: number; holders: Holder[]; queueLength: number } | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  const detail: LockHeld | undefined = error.findDetails(LockHeldSchema)[0];
  if (detail === undefined) return undefined;
  return { name: detail.name, limit: detail.limit, holders: detail.holders.map(holderFromProto), queueLength: detail.queueLength };
}

/**
 * A client interceptor: connect-node reports a connection the server dropped (it died, a proxy
 * cut it) as `aborted`, the code Baton answers for a held lock. An `aborted` without Baton's
 * reason is a broken connection, and becomes `unavailable`. A stream's error arrives while its
 * messages are read, after `next` has returned, so the messages are mapped too.
 */
export const transportFailures: Interceptor = (next) => async (req) => {
  let res;
  try {
    res = await next(req);
  } catch (error) {
    throw transportFailure(error);
  }
  if (!res.stream) return res;
  return { ...res, message: mapStreamErrors(res.message) };
};

async function* mapStreamErrors<T>(messages: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* messages;
  } catch (error) {
    throw transportFailure(error);
  }
}

/** `error` as the client reports it: a broken connection is `unavailable`, never `aborted`. */
function transportFailure(error: unknown): unknown {
  if (error instanceof ConnectError && error.code === Code.Aborted && reasonOf(error) === undefined) {
    return new ConnectError(`the connection to the server broke: ${error.rawMessage}`, Code.Unavailable, error.metadata, undefined, error);
  }
  return notHttp2(error) ?? error;
}

/** What the client says when the server at its URL does not speak HTTP/2. */
export const NOT_HTTP2 = 'the server did not answer in HTTP/2 (an HTTP/1.1-only server or proxy? then use httpVersion "1.1")';

/**
 * An `unavailable` error saying the server does not speak HTTP/2, if `error` is Node's HTTP/2
 * protocol error (what an HTTP/1.1 server's answer to the h2c preface gives); else undefined.
 */
export function notHttp2(error: unknown): ConnectError | undefined {
  const cause = error instanceof ConnectError ? error.cause : error;
  if ((cause as { code?: unknown } | undefined)?.code !== "ERR_HTTP2_ERROR") return undefined;
  return new ConnectError(NOT_HTTP2, Code.Unavailable, undefined, undefined, cause);
}
