import { randomBytes } from "node:crypto";

/** A new 128-bit random secret for a lease, as 32 lowercase hex digits. */
export function newToken(): string {
  return randomBytes(16).toString("hex");
}

/** A new random id for a waiter; unique, not secret. */
export function newWaiterId(): string {
  return randomBytes(9).toString("base64url");
}
