import { Code, ConnectError } from "@connectrpc/connect";
import { BatonError, type ErrorCode } from "../engine/errors.js";
import { StoreUnavailableError } from "../store/errors.js";

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
};

/**
 * The one place where domain errors become ConnectErrors. Anything that is not a BatonError is a
 * bug or an outage: it is logged and answered as `internal` without leaking details.
 */
export function toConnectError(error: unknown, log: (message: string) => void): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof BatonError) return new ConnectError(error.message, CODES[error.code]);
  if (error instanceof StoreUnavailableError) return new ConnectError(error.message, Code.Unavailable);
  // The client went away or its deadline passed: nothing to log, nobody to tell.
  if (error instanceof Error && error.name === "AbortError") return new ConnectError("the call was cancelled", Code.Canceled);
  log(`baton: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new ConnectError("internal error; see the server log", Code.Internal);
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
