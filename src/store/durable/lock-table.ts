import type { RootDatabase } from "lmdb";
import type { LeaseRecord, LockEvent, LockSnapshot, WaiterRecord } from "../types.js";
import { decodeLock, encodeLock, LOCK_PREFIX, type StoredLock } from "./codec.js";

/** One lock that is held, waited for or reserved. Maps keep order: holders oldest first, waiters FIFO. */
export interface Entry {
  limit: number;
  holders: Map<string, LeaseRecord>;
  waiters: Map<string, WaiterRecord>;
  reserved: boolean;
  /** The last fencing token granted; exact, kept on disk forever. */
  fencing: bigint;
}

/** What the open batch changed, to write it, deliver it, or undo it. */
export interface PendingBatch {
  names: Set<string>;
  events: LockEvent[];
  /** Waiters that joined a queue in this batch, by lock. */
  added: Map<string, Set<string>>;
  /** Waiters granted in this batch, in grant order. */
  granted: { name: string; waiter: WaiterRecord }[];
}

/** A new, empty batch. */
export function emptyBatch(): PendingBatch {
  return { names: new Set(), events: [], added: new Map(), granted: [] };
}

/**
 * The locks in memory and their records on disk. Active locks live in `locks`; an idle lock is
 * only a record on disk that keeps its fencing counter, so memory does not grow with every name
 * ever used. `idle` holds the counters of locks that went idle in a batch not yet written.
 */
export class LockTable {
  readonly locks = new Map<string, Entry>();
  private readonly idle = new Map<string, bigint>();

  constructor(private readonly db: RootDatabase<Buffer, string>) {}

  /** The stored record of a lock, or undefined; throws CorruptRecordError when it is damaged. */
  read(name: string): StoredLock | undefined {
    const key = LOCK_PREFIX + name;
    const raw = this.db.get(key);
    return raw === undefined ? undefined : decodeLock(key, raw);
  }

  /** The last fencing token of any lock, active, idle or never seen (0n). */
  lastFencing(name: string): bigint {
    return this.locks.get(name)?.fencing ?? this.idle.get(name) ?? this.read(name)?.fencing ?? 0n;
  }

  /** Creates the in-memory entry of a lock that was idle. */
  create(name: string, limit: number, reserved: boolean): Entry {
    const entry: Entry = { limit, holders: new Map(), waiters: new Map(), reserved, fencing: this.lastFencing(name) };
    this.idle.delete(name);
    this.locks.set(name, entry);
    return entry;
  }

  /** Drops a lock from memory when nothing holds, waits for or reserved it; its counter stays. */
  forgetIfIdle(name: string, lock: Entry): boolean {
    if (lock.reserved || lock.holders.size > 0 || lock.waiters.size > 0) return false;
    this.locks.delete(name);
    this.idle.set(name, lock.fencing);
    return true;
  }

  /** Writes the current state of each name; runs inside the write transaction. */
  write(names: Iterable<string>): Map<string, bigint> {
    const written = new Map<string, bigint>();
    for (const name of names) {
      const lock = this.locks.get(name);
      const key = LOCK_PREFIX + name;
      if (lock !== undefined) {
        this.db.putSync(key, encodeLock({ ...lock, holders: [...lock.holders.values()] }));
        continue;
      }
      const fencing = this.idle.get(name);
      if (fencing === undefined) continue;
      written.set(name, fencing);
      if (fencing === 0n) this.db.removeSync(key);
      else this.db.putSync(key, encodeLock({ limit: 1, reserved: false, fencing, holders: [] }));
    }
    return written;
  }

  /** After a commit: idle counters now on disk need no copy in memory. */
  settle(written: Map<string, bigint>): void {
    for (const [name, fencing] of written) if (this.idle.get(name) === fencing) this.idle.delete(name);
  }

  /**
   * After a failed commit: every lock the batch touched goes back to its state on disk. Queued
   * waiters live only here, so they are kept; those the batch added leave again, and those it
   * granted go back to the head of their queue. Returns the names to hand off again later.
   */
  rollback(batch: PendingBatch): string[] {
    const retry: string[] = [];
    const back = new Map<string, WaiterRecord[]>();
    for (const { name, waiter } of batch.granted) {
      if (batch.added.get(name)?.has(waiter.id)) continue;
      (back.get(name) ?? back.set(name, []).get(name)!).push(waiter);
    }
    for (const name of batch.names) {
      const stored = this.read(name);
      const current = this.locks.get(name);
      const added = batch.added.get(name);
      const waiters = new Map<string, WaiterRecord>();
      for (const w of back.get(name) ?? []) waiters.set(w.id, w);
      for (const [id, w] of current?.waiters ?? []) if (!added?.has(id)) waiters.set(id, w);
      this.idle.delete(name);
      if (stored === undefined || (stored.holders.length === 0 && !stored.reserved && waiters.size === 0)) {
        this.locks.delete(name);
        continue;
      }
      const entry: Entry = {
        limit: stored.limit,
        reserved: stored.reserved,
        fencing: stored.fencing,
        holders: new Map(stored.holders.map((h) => [h.token, h])),
        waiters,
      };
      this.locks.set(name, entry);
      if (waiters.size > 0) retry.push(name);
    }
    return retry;
  }

  /** The whole state of one lock, copied. */
  snapshot(name: string): LockSnapshot {
    const lock = this.locks.get(name);
    return {
      name,
      limit: lock?.limit ?? 1,
      holders: lock === undefined ? [] : [...lock.holders.values()].map((l) => ({ ...l })),
      waiters: lock === undefined ? [] : [...lock.waiters.values()].map((w) => ({ ...w })),
      reserved: lock?.reserved ?? false,
      lastFencing: this.lastFencing(name),
    };
  }
}
