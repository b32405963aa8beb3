import { BatonError } from "../errors.js";

/** Largest signal payload, in UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** Checks a signal payload: any text, at most 64 KiB of UTF-8 (it is data, never shown as a label). */
export function checkPayload(payload: string): string {
  const bytes = Buffer.byteLength(payload, "utf8");
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new BatonError("invalid_argument", `payload is ${bytes} bytes; at most ${MAX_PAYLOAD_BYTES} (64 KiB) are allowed`, { metadata: { field: "payload", max: String(MAX_PAYLOAD_BYTES) } });
  }
  return payload;
}

/** Checks an optional signal TTL: unset keeps the key until reset. */
export function checkSignalTtl(ttlMs: number | undefined, bounds: { minTtlMs: number; maxTtlMs: number }): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < bounds.minTtlMs || ttlMs > bounds.maxTtlMs) {
    throw new BatonError("invalid_argument", `ttl_ms must be between ${bounds.minTtlMs} and ${bounds.maxTtlMs}, or unset to keep the key until reset (got ${ttlMs})`, {
      metadata: { field: "ttl_ms", min: String(bounds.minTtlMs), max: String(bounds.maxTtlMs) },
    });
  }
  return ttlMs;
}

/** Checks a barrier's number of parties. */
export function checkParties(parties: number, maxParties: number): number {
  if (!Number.isSafeInteger(parties) || parties < 1 || parties > maxParties) {
    throw new BatonError("invalid_argument", `parties must be between 1 and ${maxParties} (got ${parties})`, { metadata: { field: "parties", min: "1", max: String(maxParties) } });
  }
  return parties;
}

/** Checks a List limit: 0 means 100. */
export function checkListLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > 1000) {
    throw new BatonError("invalid_argument", `page_size must be between 0 and 1000 (got ${limit})`, { metadata: { field: "page_size", min: "0", max: "1000" } });
  }
  return limit === 0 ? 100 : limit;
}
