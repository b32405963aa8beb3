import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** What a Baton API key starts with, so that a leaked one is easy to recognise (and grep for). */
export const KEY_PREFIX = "baton_";

/** A fresh API key: 256 random bits, base64url, with the Baton prefix. */
export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** The SHA-256 of a key, in hex: what the config file stores instead of the key. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Compares two hex digests of equal length in constant time. */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The digest of a presented key, as bytes, for `sameDigest`. */
export function digestOf(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
