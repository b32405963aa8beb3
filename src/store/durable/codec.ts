import { crc32 } from "node:zlib";
import type { LeaseRecord } from "../types.js";
import type { SignalRecord } from "../rendezvous.js";

/**
 * How records are laid out in the database. Every value is `crc32 (4 bytes, big-endian) + JSON`:
 * LMDB keeps its own structure consistent (copy-on-write pages, two meta pages), but it does not
 * checksum values, so a flipped bit in a lease would otherwise be read back as a wrong lease.
 */

/** The data format this build writes and reads; a data dir of a higher one is refused. */
export const FORMAT_VERSION = 1;

/** Key of the format record. */
export const FORMAT_KEY = "meta/format";
/** Prefix of lock records: `l/<name>`. */
export const LOCK_PREFIX = "l/";
/** Prefix of signal records: `s/<key>`. */
export const SIGNAL_PREFIX = "s/";

/** The durable part of one lock: what survives a restart. Waiters live on connections and do not. */
export interface StoredLock {
  limit: number;
  reserved: boolean;
  /** The last fencing token granted, kept forever so no token is ever issued twice. */
  fencing: bigint;
  /** Oldest grant first. */
  holders: LeaseRecord[];
}

/** Thrown when a stored value fails its checksum or does not parse: the file is damaged. */
export class CorruptRecordError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`record ${JSON.stringify(key)} is damaged (${reason})`);
    this.name = "CorruptRecordError";
  }
}

function seal(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(crc32(body), 0);
  body.copy(out, 4);
  return out;
}

function open(key: string, raw: Uint8Array): Record<string, unknown> {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.length < 4) throw new CorruptRecordError(key, "shorter than its checksum");
  const body = buf.subarray(4);
  if (crc32(body) !== buf.readUInt32BE(0)) throw new CorruptRecordError(key, "checksum mismatch");
  try {
    const value = JSON.parse(body.toString("utf8")) as unknown;
    if (typeof value !== "object" || value === null) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch (error) {
    throw new CorruptRecordError(key, (error as Error).message);
  }
}

/** Encodes a lock record. */
export function encodeLock(lock: StoredLock): Buffer {
  return seal({ limit: lock.limit, reserved: lock.reserved, fencing: lock.fencing, holders: lock.holders });
}

/** Decodes a lock record; throws CorruptRecordError when it is damaged. */
export function decodeLock(key: string, raw: Uint8Array): StoredLock {
  const v = open(key, raw);
  const name = key.slice(LOCK_PREFIX.length);
  if (typeof v.limit !== "number" || typeof v.fencing !== "string" || !Array.isArray(v.holders)) {
    throw new CorruptRecordError(key, "missing fields");
  }
  const holders = (v.holders as Record<string, unknown>[]).map((h) => ({
    name,
    owner: String(h.owner),
    token: String(h.token),
    fencing: BigInt(String(h.fencing)),
    acquiredAtMs: Number(h.acquiredAtMs),
    expiresAtMs: Number(h.expiresAtMs),
    ttlMs: Number(h.ttlMs),
    // Records written before weighted and shared leases existed hold one exclusive permit.
    permits: typeof h.permits === "number" ? h.permits : 1,
    shared: h.shared === true,
    value: typeof h.value === "string" ? h.value : "",
  }));
  return { limit: v.limit, reserved: v.reserved === true, fencing: BigInt(v.fencing), holders };
}

/** Encodes a signal record. */
export function encodeSignal(signal: SignalRecord): Buffer {
  return seal(signal);
}

/** Decodes a signal record; throws CorruptRecordError when it is damaged. */
export function decodeSignal(key: string, raw: Uint8Array): SignalRecord {
  const v = open(key, raw);
  if (typeof v.key !== "string" || typeof v.payload !== "string" || typeof v.signaledAtMs !== "number") {
    throw new CorruptRecordError(key, "missing fields");
  }
  const signal: SignalRecord = { key: v.key, payload: v.payload, owner: String(v.owner), signaledAtMs: v.signaledAtMs };
  if (typeof v.expiresAtMs === "number") signal.expiresAtMs = v.expiresAtMs;
  return signal;
}

/** Encodes the format record. */
export function encodeFormat(version: number): Buffer {
  return seal({ version });
}

/** Decodes the format record. */
export function decodeFormat(raw: Uint8Array): number {
  const v = open(FORMAT_KEY, raw);
  if (typeof v.version !== "number") throw new CorruptRecordError(FORMAT_KEY, "no version");
  return v.version;
}
