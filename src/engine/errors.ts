/**
 * Domain errors of the engine. They carry a code from DESIGN §2's table; only the RPC edge turns
 * them into ConnectErrors (or into the status codes of a compatibility layer).
 */

/** The error codes of DESIGN §2, by their Connect names. */
export type ErrorCode =
  | "invalid_argument"
  | "aborted"
  | "deadline_exceeded"
  | "failed_precondition"
  | "resource_exhausted"
  | "unavailable"
  | "unauthenticated"
  | "permission_denied"
  | "not_found"
  | "canceled";

/** An error a caller can act on: a code and a message written for a person. */
export class BatonError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BatonError";
  }
}

/** Shorthand for an `invalid_argument` error. */
export function invalid(message: string): BatonError {
  return new BatonError("invalid_argument", message);
}
