import { BatonError, invalid } from "./errors.js";

/** Allowed bytes of a lock or key name (DESIGN §1). */
const NAME_RE = /^[A-Za-z0-9._:\/@-]+$/;
/** Longest name or owner, in bytes. */
export const MAX_NAME_BYTES = 256;

/** Checks a lock or key name; throws `invalid_argument` explaining what is wrong. */
export function checkName(name: string, what = "name"): string {
  if (name.length === 0) throw invalid(`${what} is required (1-${MAX_NAME_BYTES} characters of A-Z a-z 0-9 . _ : / @ -)`, what);
  if (name.length > MAX_NAME_BYTES) {
    throw invalid(`${what} is ${name.length} characters long; at most ${MAX_NAME_BYTES} are allowed`, what);
  }
  if (!NAME_RE.test(name)) {
    const bad = [...name].find((c) => !NAME_RE.test(c)) ?? "";
    throw invalid(`${what} ${JSON.stringify(name.slice(0, 64))} contains ${describeChar(bad)}; allowed are A-Z a-z 0-9 . _ : / @ -`, what);
  }
  return name;
}

/** Checks a name prefix (may be empty). */
export function checkPrefix(prefix: string, what = "prefix"): string {
  return prefix === "" ? prefix : checkName(prefix, what);
}

/** Checks an owner label: printable, at most 256 characters; empty becomes "anonymous". */
export function checkOwner(owner: string): string {
  if (owner === "") return "anonymous";
  if (Buffer.byteLength(owner) > MAX_NAME_BYTES) throw invalid(`owner is longer than ${MAX_NAME_BYTES} bytes`, "owner");
  // Control characters would let an owner forge lines in logs, CLI output and the web page.
  if (/[\p{Cc}\p{Cf}]/u.test(owner)) throw invalid("owner contains control characters; use printable text", "owner");
  return owner;
}

/** Bounds that TTLs, waits and limits must respect; from the configuration. */
export interface Bounds {
  defaultTtlMs: number;
  minTtlMs: number;
  maxTtlMs: number;
  maxWaitMs: number;
  maxLimit: number;
}

/** Checks an optional wait: unset (no limit), or 0 (no wait) up to the maximum. */
export function checkWait(waitMs: number | undefined, field: string, bounds: Bounds): number | undefined {
  if (waitMs === undefined) return undefined;
  if (!Number.isSafeInteger(waitMs) || waitMs < 0 || waitMs > bounds.maxWaitMs) {
    throw new BatonError("invalid_argument", `${field} must be between 0 and ${bounds.maxWaitMs} (got ${waitMs}); leave it unset to wait without a limit`, {
      metadata: { field, min: "0", max: String(bounds.maxWaitMs) },
    });
  }
  return waitMs;
}

/** Checks an optional permit count. */
export function checkLimit(limit: number | undefined, bounds: Bounds): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > bounds.maxLimit) {
    throw new BatonError("invalid_argument", `limit must be between 1 and ${bounds.maxLimit} (got ${limit})`, { metadata: { field: "limit", min: "1", max: String(bounds.maxLimit) } });
  }
  return limit;
}

/** Checks a lease token's shape, so that junk is refused before it reaches a store. */
export function checkToken(token: string): string {
  if (!/^[0-9a-f]{32}$/.test(token)) throw invalid("token must be the 32 hex digits returned with the lease", "token");
  return token;
}

function describeChar(c: string): string {
  if (c === " ") return "a space";
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `a control character (U+${code.toString(16).padStart(4, "0").toUpperCase()})`;
  return `the character ${JSON.stringify(c)}`;
}
