import { BatonError, invalid } from "./errors.js";
import type { Bounds } from "./validate.js";

/** Longest value a lease may publish, in bytes (an address, a small JSON document). */
export const MAX_VALUE_BYTES = 4096;

/** What a request asks for beyond a plain permit: shared mode, a weight, a published value. */
export interface ClaimParams {
  permits?: number;
  shared?: boolean;
  value?: string;
}

/**
 * Validates shared mode, permits and value against the request's limit (when it names one; a
 * weight above the limit of an existing lock is refused by the store, as `too_many_permits`).
 */
export function checkClaim(params: ClaimParams, limit: number | undefined, bounds: Bounds): { permits: number | undefined; shared: boolean; value: string } {
  const shared = params.shared === true;
  const { permits } = params;
  if (permits !== undefined) {
    if (shared) throw invalid("permits cannot be combined with shared: shared holders take no permits", "permits");
    if (!Number.isSafeInteger(permits) || permits < 1 || permits > bounds.maxLimit) {
      throw new BatonError("invalid_argument", `permits must be between 1 and ${bounds.maxLimit} (got ${permits})`, { metadata: { field: "permits", min: "1", max: String(bounds.maxLimit) } });
    }
    if (limit !== undefined && permits > limit) throw tooManyPermits(permits, limit);
  }
  return { permits, shared, value: checkValue(params.value ?? "") };
}

/** Checks a published value: at most MAX_VALUE_BYTES. */
export function checkValue(value: string): string {
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw invalid(`value is longer than ${MAX_VALUE_BYTES} bytes`, "value");
  return value;
}

/** The error for a weight above the lock's limit: it could never be granted. */
export function tooManyPermits(permits: number, limit: number): BatonError {
  return new BatonError("invalid_argument", `permits ${permits} is more than the lock's limit of ${limit}, so it could never be granted; ask for at most ${limit}`, {
    metadata: { field: "permits", max: String(limit) },
  });
}
