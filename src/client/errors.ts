import { Code, ConnectError } from "@connectrpc/connect";

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
