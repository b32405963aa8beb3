import type { LeaseRecord } from "../store/types.js";

/**
 * Domain errors of the engine. They carry a code from DESIGN §2's table and a stable reason
 * (`baton.errors.v1.ErrorReason`); only the edges turn them into ConnectErrors with typed details,
 * into the CLI's own words, or into the status codes of a compatibility layer.
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
  | "canceled"
  | "internal";

/** The API's error reasons (proto `baton.errors.v1.ErrorReason`), as sent in `ErrorInfo.reason`. */
export type ErrorReason =
  | "INVALID_ARGUMENT"
  | "LOCK_HELD"
  | "NOT_HELD"
  | "LIMIT_MISMATCH"
  | "QUEUE_FULL"
  | "WAIT_TIMEOUT"
  | "DEADLINE_EXCEEDED"
  | "CANCELLED"
  | "STORE_UNAVAILABLE"
  | "SHUTTING_DOWN"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "PROBE_NOT_ALLOWED"
  | "RATE_LIMITED"
  | "QUOTA_EXCEEDED"
  | "MESSAGE_TOO_LARGE"
  | "PARTIES_MISMATCH"
  | "INTERNAL";

/** The reason an error of a code has when none more precise is given. */
const DEFAULT_REASONS: Record<ErrorCode, ErrorReason> = {
  invalid_argument: "INVALID_ARGUMENT",
  aborted: "LOCK_HELD",
  deadline_exceeded: "WAIT_TIMEOUT",
  failed_precondition: "NOT_HELD",
  resource_exhausted: "QUOTA_EXCEEDED",
  unavailable: "STORE_UNAVAILABLE",
  unauthenticated: "UNAUTHENTICATED",
  permission_denied: "PERMISSION_DENIED",
  not_found: "INVALID_ARGUMENT",
  canceled: "CANCELLED",
  internal: "INTERNAL",
};

/** Who holds a lock that could not be taken: the typed detail of LOCK_HELD. */
export interface HeldBy {
  name: string;
  limit: number;
  holders: LeaseRecord[];
  queueLength: number;
}

/** The optional parts of a BatonError. */
export interface ErrorFacts {
  /** A reason more precise than the code's default. */
  reason?: ErrorReason;
  /** Facts a client may act on (`ErrorInfo.metadata`): names, limits, durations. Never secrets. */
  metadata?: Record<string, string>;
  /** For LOCK_HELD: the holders. */
  held?: HeldBy;
  /** For RATE_LIMITED: when to retry. */
  retryAfterMs?: number;
}

/** An error a caller can act on: a code, a stable reason, and a message written for a person. */
export class BatonError extends Error {
  readonly reason: ErrorReason;
  readonly metadata: Record<string, string>;
  readonly held: HeldBy | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    facts: ErrorFacts = {},
  ) {
    super(message);
    this.name = "BatonError";
    this.reason = facts.reason ?? DEFAULT_REASONS[code];
    this.metadata = facts.metadata ?? {};
    this.held = facts.held;
    this.retryAfterMs = facts.retryAfterMs;
  }
}

/** Shorthand for an `invalid_argument` error about `field` (when one field is at fault). */
export function invalid(message: string, field?: string): BatonError {
  return new BatonError("invalid_argument", message, field === undefined ? {} : { metadata: { field } });
}

/** The error of a server that is shutting down. */
export function shuttingDown(): BatonError {
  return new BatonError("unavailable", "Baton is shutting down; retry against another instance or once it is back", { reason: "SHUTTING_DOWN" });
}
