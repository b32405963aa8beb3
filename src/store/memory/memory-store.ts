import type {
  AcquireInput,
  AcquireResult,
  CancelResult,
  LeaseRecord,
  ListInput,
  LockEvent,
  LockSnapshot,
  ProclaimResult,
  RefreshResult,
  ReleaseResult,
  ReserveResult,
  Store,
  WaiterRecord,
} from "../types.js";
import { FencingCounters } from "./fencing.js";
import { ExpiryTimers } from "./expiry-timers.js";
import { fits, permitsOf, Usage } from "../admission.js";

/** Whom a grant goes to: a newcomer or a waiter. */
type Grantee = Pick<WaiterRecord, "owner" | "ttlMs" | "token" | "permits" | "shared" | "value">;

/** One lock's state. Maps keep insertion order: holders oldest first, waiters FIFO. */
interface Entry {
  limit: number;
  holders: Map<string, LeaseRecord>;
  waiters: Map<string, WaiterRecord>;
  reserved: boolean;
}

/**
 * The embedded default store. Each operation is one synchronous state transition (Node runs one
 * at a time, so each is atomic); events are emitted only after the state is consistent, so a
 * listener may call back into the store.
 */
export class MemoryStore implements Store {
  private readonly locks = new Map<string, Entry>();
  private readonly fencing: FencingCounters;
  private readonly listeners = new Set<(event: LockEvent) => void>();
  private readonly timers: ExpiryTimers;
  private pending: LockEvent[] = [];

  constructor(private readonly nowMs: () => number = Date.now) {
    this.fencing = new FencingCounters(nowMs);
    this.timers = new ExpiryTimers(nowMs, (name, token) => this.expire(name, token));
  }

  async acquire(input: AcquireInput): Promise<AcquireResult> {
    return this.transition(() => {
      const entry = this.locks.get(input.name);
      const busy = entry !== undefined && (entry.holders.size > 0 || entry.waiters.size > 0);
      if (input.limit !== undefined && entry !== undefined && entry.limit !== input.limit) {
        if (busy || entry.reserved) return { kind: "limit_mismatch", limit: entry.limit };
      }
      const shared = input.shared === true;
      const permits = permitsOf(shared, input.permits);
      const limit = busy || entry?.reserved === true ? entry!.limit : input.limit ?? entry?.limit ?? 1;
      if (permits > limit) return { kind: "too_many_permits", limit, permits };
      const lock = entry ?? this.create(input.name, limit, false);
      lock.limit = limit;
      const claim = { owner: input.owner, ttlMs: input.ttlMs, token: input.token, permits, shared, value: input.value ?? "" };
      if (lock.waiters.size === 0 && fits(lock.holders.values(), lock.limit, claim)) {
        return { kind: "granted", lease: this.grant(input.name, lock, claim) };
      }
      if (input.waiterId === undefined) {
        this.forgetIfIdle(input.name, lock);
        return { kind: "busy", holders: [...lock.holders.values()], queueLength: lock.waiters.size };
      }
      if (lock.waiters.size >= input.maxQueueLength) {
        return { kind: "queue_full", queueLength: lock.waiters.size };
      }
      const waiter: WaiterRecord = {
        id: input.waiterId,
        owner: input.owner,
        ttlMs: input.ttlMs,
        queuedAtMs: this.nowMs(),
        token: input.token,
        permits,
        shared,
        value: claim.value,
      };
      lock.waiters.set(waiter.id, waiter);
      this.emit({ name: input.name, kind: "queued", waiterId: waiter.id });
      return {
        kind: "queued",
        position: lock.waiters.size,
        queueLength: lock.waiters.size,
        holders: [...lock.holders.values()],
      };
    });
  }

  async release(name: string, token: string): Promise<ReleaseResult> {
    return this.transition(() => {
      const lease = this.removeHolder(name, token, "released");
      return lease === undefined ? { kind: "not_held" } : { kind: "released", lease };
    });
  }

  async releaseByOwner(name: string, owner: string): Promise<ReleaseResult> {
    return this.transition(() => {
      const holders = this.locks.get(name)?.holders.values() ?? [];
      const oldest = [...holders].find((lease) => lease.owner === owner);
      const lease = oldest === undefined ? undefined : this.removeHolder(name, oldest.token, "released");
      return lease === undefined ? { kind: "not_held" } : { kind: "released", lease };
    });
  }

  async refresh(name: string, token: string, ttlMs?: number): Promise<RefreshResult> {
    return this.transition(() => {
      const lease = this.locks.get(name)?.holders.get(token);
      if (lease === undefined) return { kind: "not_held" };
      lease.ttlMs = ttlMs ?? lease.ttlMs;
      lease.expiresAtMs = lease.ttlMs === 0 ? 0 : this.nowMs() + lease.ttlMs;
      if (lease.ttlMs === 0) this.timers.cancel(token);
      else this.timers.schedule(name, token, lease.expiresAtMs);
      this.emit({ name, kind: "refreshed", lease: { ...lease } });
      return { kind: "refreshed", lease: { ...lease } };
    });
  }

  async proclaim(name: string, token: string, value: string): Promise<ProclaimResult> {
    return this.transition(() => {
      const lease = this.locks.get(name)?.holders.get(token);
      if (lease === undefined) return { kind: "not_held" };
      lease.value = value;
      this.emit({ name, kind: "proclaimed", lease: { ...lease } });
      return { kind: "proclaimed", lease: { ...lease } };
    });
  }

  async cancelWaiter(name: string, waiterId: string): Promise<CancelResult> {
    return this.transition(() => {
      const lock = this.locks.get(name);
      if (lock === undefined || !lock.waiters.delete(waiterId)) return { kind: "not_waiting" };
      this.emit({ name, kind: "dequeued", waiterId });
      // A large request or a writer leaving the head unblocks those behind it.
      this.handOff(name, lock);
      this.forgetIfIdle(name, lock);
      return { kind: "cancelled" };
    });
  }

  async reserve(name: string, limit: number): Promise<ReserveResult> {
    return this.transition(() => {
      if (this.locks.has(name)) return { kind: "exists" };
      this.create(name, limit, true);
      this.emit({ name, kind: "reserved" });
      return { kind: "reserved", limit };
    });
  }

  async describe(name: string): Promise<LockSnapshot> {
    return this.snapshot(name, this.locks.get(name));
  }

  async list(input: ListInput): Promise<LockSnapshot[]> {
    const names = [...this.locks.keys()]
      .filter((n) => n.startsWith(input.prefix) && n > input.after)
      .sort()
      .slice(0, input.limit);
    return names.map((n) => this.snapshot(n, this.locks.get(n)));
  }

  subscribe(listener: (event: LockEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.timers.clear();
    this.listeners.clear();
  }

  /** The expire-due step: drops a lease whose deadline has passed and hands its permit on. */
  private expire(name: string, token: string): void {
    this.transition(() => {
      const lease = this.locks.get(name)?.holders.get(token);
      if (lease === undefined) return;
      if (lease.expiresAtMs === 0) return;
      if (lease.expiresAtMs > this.nowMs()) {
        this.timers.schedule(name, token, lease.expiresAtMs);
        return;
      }
      this.removeHolder(name, token, "expired");
    });
  }

  private removeHolder(name: string, token: string, kind: "released" | "expired"): LeaseRecord | undefined {
    const lock = this.locks.get(name);
    const lease = lock?.holders.get(token);
    if (lock === undefined || lease === undefined) return undefined;
    lock.holders.delete(token);
    this.timers.cancel(token);
    this.emit({ name, kind, lease });
    this.handOff(name, lock);
    this.forgetIfIdle(name, lock);
    return lease;
  }

  /** Grants the head of the queue while it fits, in order: the first that does not fit blocks the rest. */
  private handOff(name: string, lock: Entry): void {
    if (lock.waiters.size === 0) return;
    const usage = Usage.of(lock.holders.values());
    for (const waiter of lock.waiters.values()) {
      if (!usage.fits(lock.limit, waiter)) return;
      usage.add(waiter);
      lock.waiters.delete(waiter.id);
      this.grant(name, lock, waiter, waiter.id);
    }
  }

  private grant(name: string, lock: Entry, claim: Grantee, waiterId?: string): LeaseRecord {
    const now = this.nowMs();
    const { owner, token, ttlMs, permits, shared, value } = claim;
    const lease: LeaseRecord = {
      name,
      owner,
      token,
      fencing: this.fencing.next(name),
      acquiredAtMs: now,
      expiresAtMs: ttlMs === 0 ? 0 : now + ttlMs,
      ttlMs,
      permits,
      shared,
      value,
    };
    lock.holders.set(token, lease);
    if (ttlMs !== 0) this.timers.schedule(name, token, lease.expiresAtMs);
    this.emit(waiterId === undefined ? { name, kind: "granted", lease } : { name, kind: "granted", lease, waiterId });
    return { ...lease };
  }

  private create(name: string, limit: number, reserved: boolean): Entry {
    const entry: Entry = { limit, holders: new Map(), waiters: new Map(), reserved };
    this.locks.set(name, entry);
    return entry;
  }

  private forgetIfIdle(name: string, lock: Entry): void {
    if (lock.reserved || lock.holders.size > 0 || lock.waiters.size > 0) return;
    this.locks.delete(name);
    if (!this.fencing.forget(name)) this.timers.later(() => this.fencing.forget(name));
  }

  private snapshot(name: string, lock: Entry | undefined): LockSnapshot {
    return {
      name,
      limit: lock?.limit ?? 1,
      holders: lock === undefined ? [] : [...lock.holders.values()].map((l) => ({ ...l })),
      waiters: lock === undefined ? [] : [...lock.waiters.values()].map((w) => ({ ...w })),
      reserved: lock?.reserved ?? false,
      lastFencing: this.fencing.peek(name),
    };
  }

  /** Runs one state transition, then delivers the events it produced. */
  private transition<T>(step: () => T): T {
    const outer = this.pending;
    this.pending = [];
    let result: T;
    try {
      result = step();
    } finally {
      const events = this.pending;
      this.pending = outer;
      for (const event of events) for (const listener of this.listeners) listener(event);
    }
    return result;
  }

  private emit(event: LockEvent): void {
    this.pending.push(event);
  }
}
