import { create, createRegistry, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { anyPack, AnySchema, DurationSchema, type Any } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { BatonError, type ErrorCode, type ErrorReason } from "../engine/errors.js";
import { StoreUnavailableError } from "../store/errors.js";
import { ErrorInfoSchema, RetryInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { LockHeldSchema } from "../gen/baton/lock/v1/lock_pb.js";
import { holderToProto } from "./convert.js";

/** `ErrorInfo.domain` of every Baton error. */
export const ERROR_DOMAIN = "baton";

const CODES: Record<ErrorCode, Code> = {
  invalid_argument: Code.InvalidArgument,
  aborted: Code.Aborted,
  deadline_exceeded: Code.DeadlineExceeded,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  not_found: Code.NotFound,
  canceled: Code.Canceled,
  internal: Code.Internal,
};

/** The reason of an error that did not start as a BatonError, by its code. */
const REASONS_BY_CODE: Partial<Record<Code, ErrorReason>> = {
  [Code.InvalidArgument]: "INVALID_ARGUMENT",
  [Code.DeadlineExceeded]: "DEADLINE_EXCEEDED",
  [Code.Canceled]: "CANCELLED",
  [Code.Unavailable]: "STORE_UNAVAILABLE",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
  [Code.PermissionDenied]: "PERMISSION_DENIED",
  [Code.ResourceExhausted]: "MESSAGE_TOO_LARGE",
  [Code.Internal]: "INTERNAL",
};

type Detail = { desc: DescMessage; value: MessageInitShape<DescMessage> };

/**
 * The one place where errors become ConnectErrors, each with its typed details: a
 * `google.rpc.ErrorInfo` (reason, domain "baton", metadata) on every error, a `LockHeld` for a
 * held lock, a `google.rpc.RetryInfo` for a rate limit. Anything that is not a BatonError is a bug
 * or an outage: it is logged and answered as `internal` without leaking details.
 */
export function toConnectError(error: unknown, log: (message: string) => void): ConnectError {
  const mapped = mapError(error, log);
  // A message may quote client input; a lone surrogate in it would make gRPC's percent-encoding
  // of grpc-message throw.
  return mapped.rawMessage.isWellFormed() ? mapped : new ConnectError(mapped.rawMessage.toWellFormed(), mapped.code, mapped.metadata, mapped.details as never, mapped.cause);
}

/** Node's errors for a request stream that broke off: the client went away, nothing to log. */
const TRANSPORT_ERRORS = new Set(["ERR_STREAM_PREMATURE_CLOSE", "ERR_HTTP2_STREAM_ERROR", "ERR_HTTP2_INVALID_STREAM", "ECONNRESET", "EPIPE", "ABORT_ERR"]);

/** Whether `error` only says the client went away (a reset, a closed socket, an abort). */
export function isClientGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (error instanceof Error && (error.name === "AbortError" || error.message === "aborted")) || (typeof code === "string" && TRANSPORT_ERRORS.has(code));
}

function mapError(error: unknown, log: (message: string) => void): ConnectError {
  if (error instanceof ConnectError) return withErrorInfo(error);
  if (error instanceof BatonError) return new ConnectError(error.message, CODES[error.code], undefined, details(error));
  if (error instanceof StoreUnavailableError) {
    return new ConnectError(error.message, Code.Unavailable, undefined, [errorInfo("STORE_UNAVAILABLE", {})]);
  }
  // The client went away or its deadline passed: nothing to log, nobody to tell.
  if (isClientGone(error)) {
    return new ConnectError("the call was cancelled", Code.Canceled, undefined, [errorInfo("CANCELLED", {})]);
  }
  log(`baton: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new ConnectError("internal error; see the server log", Code.Internal, undefined, [errorInfo("INTERNAL", {})]);
}

/**
 * The message types that travel packed in `google.protobuf.Any` (a SessionError's details), for
 * the JSON codecs: without them a Session in Connect JSON cannot write an error that has details.
 */
export const errorDetailRegistry = createRegistry(ErrorInfoSchema, RetryInfoSchema, LockHeldSchema);

/** The same details packed as `google.protobuf.Any`, for the Session stream's SessionError. */
export function detailsAsAny(error: ConnectError): Any[] {
  const out: Any[] = [];
  for (const detail of error.details) {
    if ("desc" in detail) out.push(anyPack(detail.desc, create(detail.desc, detail.value)));
    else out.push(create(AnySchema, { typeUrl: `type.googleapis.com/${detail.type}`, value: detail.value }));
  }
  return out;
}

function details(error: BatonError): Detail[] {
  const out: Detail[] = [errorInfo(error.reason, error.metadata)];
  if (error.held !== undefined) {
    const { name, limit, holders, queueLength } = error.held;
    out.push({ desc: LockHeldSchema, value: { name, limit, holders: holders.map(holderToProto), queueLength } });
  }
  if (error.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.ceil(error.retryAfterMs));
    const retryDelay = create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
    out.push({ desc: RetryInfoSchema, value: { retryDelay } });
  }
  return out;
}

function errorInfo(reason: ErrorReason, metadata: Record<string, string>): Detail {
  return { desc: ErrorInfoSchema, value: { reason, domain: ERROR_DOMAIN, metadata } };
}

/**
 * A ConnectError made elsewhere (connect-es's own protocol errors: a body that does not parse, a
 * bad timeout header) gets an ErrorInfo too, so every error a client sees has a reason.
 */
function withErrorInfo(error: ConnectError): ConnectError {
  if (error.details.length > 0) return error;
  const reason = REASONS_BY_CODE[error.code];
  if (reason === undefined) return error;
  return new ConnectError(error.rawMessage, error.code, error.metadata, [errorInfo(reason, {})], error.cause);
}

/** Runs a unary handler body, translating its errors at the edge. */
export async function edge<T>(log: (message: string) => void, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toConnectError(error, log);
  }
}

/** Runs a streaming handler body, translating its errors at the edge. */
export async function* edgeStream<T>(log: (message: string) => void, body: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* body;
  } catch (error) {
    throw toConnectError(error, log);
  }
}
