import type { RootDatabase } from "lmdb";
import { CorruptRecordError, decodeLock, decodeSignal, encodeLock, LOCK_PREFIX, SIGNAL_PREFIX } from "./codec.js";
import type { SignalRecord } from "../rendezvous.js";
import type { Entry } from "./lock-table.js";
import { DataDirError } from "./data-dir.js";
import { RECOVER } from "./database.js";

/** What start-up found on disk. */
export interface Recovered {
  locks: Map<string, Entry>;
  signals: SignalRecord[];
  /** Leases whose TTL ran out while Baton was down. */
  expiredLeases: number;
  expiredSignals: number;
  /** Records read, idle fencing counters included. */
  records: number;
}

/**
 * Reads every record once at start: active locks come back into memory, leases and signals whose
 * time ran out while Baton was down are dropped (in one transaction, so the permit is free for the
 * next acquirer as if the expiry had happened on time), and every value's checksum is verified,
 * so damage is found now rather than when a request touches it.
 */
export function recover(db: RootDatabase<Buffer, string>, dir: string, nowMs: number): Recovered {
  const out: Recovered = { locks: new Map(), signals: [], expiredLeases: 0, expiredSignals: 0, records: 0 };
  const rewrites: [string, Buffer | undefined][] = [];
  try {
    for (const { key, value } of db.getRange({ start: LOCK_PREFIX, end: LOCK_PREFIX.slice(0, -1) + "0" })) {
      out.records++;
      const stored = decodeLock(key, value);
      const holders = stored.holders.filter((h) => h.expiresAtMs === 0 || h.expiresAtMs > nowMs);
      if (holders.length !== stored.holders.length) {
        out.expiredLeases += stored.holders.length - holders.length;
        rewrites.push([key, encodeLock({ ...stored, holders })]);
      }
      if (holders.length === 0 && !stored.reserved) continue;
      const name = key.slice(LOCK_PREFIX.length);
      out.locks.set(name, {
        limit: stored.limit,
        reserved: stored.reserved,
        fencing: stored.fencing,
        holders: new Map(holders.map((h) => [h.token, h])),
        waiters: new Map(),
      });
    }
    for (const { key, value } of db.getRange({ start: SIGNAL_PREFIX, end: SIGNAL_PREFIX.slice(0, -1) + "0" })) {
      out.records++;
      const signal = decodeSignal(key, value);
      if (signal.expiresAtMs !== undefined && signal.expiresAtMs <= nowMs) {
        out.expiredSignals++;
        rewrites.push([key, undefined]);
        continue;
      }
      out.signals.push(signal);
    }
  } catch (error) {
    if (error instanceof CorruptRecordError) throw new DataDirError(`data dir ${dir}: ${error.message}. ${RECOVER}`);
    throw new DataDirError(`data dir ${dir}: cannot be read (${(error as Error).message}). ${RECOVER}`);
  }
  if (rewrites.length > 0) {
    db.transactionSync(() => {
      for (const [key, value] of rewrites) {
        if (value === undefined) db.removeSync(key);
        else db.putSync(key, value);
      }
    });
  }
  return out;
}
