/** Holds kept per lock. */
export const HOLDS_PER_LOCK = 16;

/**
 * Locks whose holds are kept: the most recently granted or ended ones. A lock beyond them still
 * shows its current holders (recent-holds.ts reads them from the store).
 */
export const LOCKS_WITH_HISTORY = 4096;

/** One grant of a lock, from the grant to its end. */
export interface HoldRecord {
  owner: string;
  fencing: bigint;
  acquiredAtMs: number;
  /** Undefined while held. */
  endedAtMs: number | undefined;
  end: "held" | "released" | "expired";
  /** How long it waited in the queue; 0 when the permit was free, undefined when unknown. */
  waitedMs: number | undefined;
}

/**
 * The recent holds of the most recently active locks: a ring of HOLDS_PER_LOCK per lock, for at
 * most LOCKS_WITH_HISTORY locks (the least recently active lock is forgotten first), so at most
 * 65,536 holds: about 11 MiB when full (about 180 bytes a hold, measured with
 * test/engine/admin-monitor.test.ts). A grant is known by
 * its fencing token, which makes repeated events (a store that delivers one twice) harmless.
 */
export class LockHistory {
  /** Lock name → its holds, oldest first; Map order is the recency order (oldest first). */
  private readonly locks = new Map<string, HoldRecord[]>();

  constructor(
    private readonly perLock = HOLDS_PER_LOCK,
    private readonly maxLocks = LOCKS_WITH_HISTORY,
  ) {}

  /** Records a grant; returns false when this grant (by fencing token) is already recorded. */
  granted(name: string, owner: string, fencing: bigint, acquiredAtMs: number, waitedMs: number | undefined): boolean {
    const ring = this.touch(name);
    if (ring.some((h) => h.fencing === fencing)) return false;
    ring.push({ owner, fencing, acquiredAtMs, endedAtMs: undefined, end: "held", waitedMs });
    if (ring.length > this.perLock) ring.shift();
    return true;
  }

  /**
   * Records the end of a hold; returns false when it had already ended. A hold whose grant was
   * not seen (granted before this server started, or forgotten) is recorded from its lease.
   */
  ended(name: string, owner: string, fencing: bigint, acquiredAtMs: number, end: "released" | "expired", atMs: number): boolean {
    const ring = this.touch(name);
    const hold = ring.find((h) => h.fencing === fencing);
    if (hold !== undefined) {
      if (hold.end !== "held") return false;
      hold.end = end;
      hold.endedAtMs = atMs;
      return true;
    }
    ring.push({ owner, fencing, acquiredAtMs, endedAtMs: atMs, end, waitedMs: undefined });
    ring.sort((a, b) => (a.fencing < b.fencing ? -1 : 1));
    if (ring.length > this.perLock) ring.shift();
    return true;
  }

  /** The lock's recent holds, newest grant first (copies). */
  holds(name: string): HoldRecord[] {
    return (this.locks.get(name) ?? []).map((h) => ({ ...h })).reverse();
  }

  /** How many locks have history. */
  get size(): number {
    return this.locks.size;
  }

  private touch(name: string): HoldRecord[] {
    let ring = this.locks.get(name);
    if (ring !== undefined) this.locks.delete(name);
    else {
      ring = [];
      if (this.locks.size >= this.maxLocks) this.locks.delete(this.locks.keys().next().value!);
    }
    this.locks.set(name, ring);
    return ring;
  }
}
