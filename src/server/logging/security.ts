import type { BatonLogger } from "./logger.js";

/** What a security event says: a fixed kind and bounded facts, never a key, token or payload. */
export interface SecurityEvent {
  /** e.g. "auth_failed", "key_revoked", "force_release", "tls_reloaded". */
  kind: string;
  /** The key's name (never the key), when one is known. */
  keyName?: string;
  /** A fixed word saying why, e.g. "bad_credentials". */
  reason?: string;
  requestId?: string;
  /** The remote address, when known. */
  remote?: string;
  /** Anything else worth one more field; give no secrets. */
  detail?: Record<string, string | number | boolean>;
}

/**
 * Logs one security event (for the auth, TLS and admin code): a warning line with
 * `event: "security"`, so that an operator can select them all with one filter.
 */
export function logSecurityEvent(logger: BatonLogger, event: SecurityEvent): void {
  const { detail, ...fields } = event;
  logger.warn({ event: "security", ...fields, ...detail }, `security: ${event.kind}`);
}
