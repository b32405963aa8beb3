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
import { fits, permitsOf, Usage } from "../admission.js";
import type { StoreUnavailableError } from "../errors.js";
import { ExpiryTimers } from "../memory/expiry-timers.js";
import type { Participant } from "./group-commit.js";
import { emptyBatch, LockTable, type Entry } from "./lock-table.js";
import type { DurableHandle } from "./shared-handle.js";

/** Whom a grant goes to: a newcomer or a waiter. */
type Grantee = Pick<WaiterRecord, "owner" | "ttlMs" | "token" | "permits" | "shared" | "value">;

/**
 * The durable lock store: the memory store's state machine (one synchronous transition per
 * operation, hand-off inside the step) over a table that LMDB persists by group commit. An
 * operation is answered, and its events (a grant handed to the next waiter, say) are delivered,
 * only once the batch that holds it is on disk; a crash can never take back what a client saw.
 */
export class DurableStore implements Store, Participant {
  private readonly table: LockTable;
  private readonly timers: ExpiryTimers;
  private readonly listeners = new Set<(event: LockEvent) => void>();
  private batch = emptyBatch();
  private written = new Map<string, bigint>();
  private changes = 0;

  constructor(
    private readonly handle: DurableHandle,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.table = new LockTable(handle.database.db);
    this.timers = new ExpiryTimers(nowMs, (name, token) => this.expire(name, token));
    for (const [name, entry] of handle.recovered.locks) {
      this.table.locks.set(name, entry);
      for (const lease of entry.holders.values()) this.arm(name, lease);
    }
  }

  acquire(input: AcquireInput): Promise<AcquireResult> {
    return this.run((): AcquireResult => {
      const entry = this.table.locks.get(input.name);
      const busy = entry !== undefined && (entry.holders.size > 0 || entry.waiters.size > 0);
      if (input.limit !== undefined && entry !== undefined && entry.limit !== input.limit) {
        if (busy || entry.reserved) return { kind: "limit_mismatch", limit: entry.limit };
      }
      const shared = input.shared === true;
      const permits = permitsOf(shared, input.permits);
      const limit = busy || entry?.reserved === true ? entry!.limit : input.limit ?? entry?.limit ?? 1;
      if (permits > limit) return { kind: "too_many_permits", limit, permits };
      const lock = entry ?? this.table.create(input.name, limit, false);
      if (lock.limit !== limit) {
        lock.limit = limit;
        this.touch(input.name);
      }
      const claim = { owner: input.owner, ttlMs: input.ttlMs, token: input.token, permits, shared, value: input.value ?? "" };
      if (lock.waiters.size === 0 && fits(lock.holders.values(), lock.limit, claim)) {
        return { kind: "granted", lease: this.grant(input.name, lock, claim) };
      }
      if (input.waiterId === undefined) {
        this.forgetIfIdle(input.name, lock);
        return { kind: "busy", holders: [...lock.holders.values()].map((l) => ({ ...l })), queueLength: lock.waiters.size };
      }
      if (lock.waiters.size >= input.maxQueueLength) return { kind: "queue_full", queueLength: lock.waiters.size };
      const waiter: WaiterRecord = { ...claim, id: input.waiterId, queuedAtMs: this.nowMs() };
      lock.waiters.set(waiter.id, waiter);
      const added = this.batch.added.get(input.name) ?? this.batch.added.set(input.name, new Set()).get(input.name)!;
      added.add(waiter.id);
      this.emit({ name: input.name, kind: "queued", waiterId: waiter.id });
      return { kind: "queued", position: lock.waiters.size, queueLength: lock.waiters.size, holders: [...lock.holders.values()].map((l) => ({ ...l })) };
    });
  }

  release(name: string, token: string): Promise<ReleaseResult> {
    return this.run((): ReleaseResult => {
      const lease = this.removeHolder(name, token, "released");
      return lease === undefined ? { kind: "not_held" } : { kind: "released", lease };
    });
  }

  releaseByOwner(name: string, owner: string): Promise<ReleaseResult> {
    return this.run((): ReleaseResult => {
      const holders = this.table.locks.get(name)?.holders.values() ?? [];
      const oldest = [...holders].find((lease) => lease.owner === owner);
      const lease = oldest === undefined ? undefined : this.removeHolder(name, oldest.token, "released");
      return lease === undefined ? { kind: "not_held" } : { kind: "released", lease };
    });
  }

  refresh(name: string, token: string, ttlMs?: number): Promise<RefreshResult> {
    return this.run((): RefreshResult => {
      const lease = this.table.locks.get(name)?.holders.get(token);
      if (lease === undefined) return { kind: "not_held" };
      lease.ttlMs = ttlMs ?? lease.ttlMs;
      lease.expiresAtMs = lease.ttlMs === 0 ? 0 : this.nowMs() + lease.ttlMs;
      this.arm(name, lease);
      this.touch(name);
      this.emit({ name, kind: "refreshed", lease: { ...lease } });
      return { kind: "refreshed", lease: { ...lease } };
    });
  }

  proclaim(name: string, token: string, value: string): Promise<ProclaimResult> {
    return this.run((): ProclaimResult => {
      const lease = this.table.locks.get(name)?.holders.get(token);
      if (lease === undefined) return { kind: "not_held" };
      lease.value = value;
      this.touch(name);
      this.emit({ name, kind: "proclaimed", lease: { ...lease } });
      return { kind: "proclaimed", lease: { ...lease } };
    });
  }

  cancelWaiter(name: string, waiterId: string): Promise<CancelResult> {
    return this.run((): CancelResult => {
      const lock = this.table.locks.get(name);
      if (lock === undefined || !lock.waiters.delete(waiterId)) return { kind: "not_waiting" };
      this.emit({ name, kind: "dequeued", waiterId });
      // A large request or a writer leaving the head unblocks those behind it.
      this.handOff(name, lock);
      this.forgetIfIdle(name, lock);
      return { kind: "cancelled" };
    });
  }

  reserve(name: string, limit: number): Promise<ReserveResult> {
    return this.run((): ReserveResult => {
      if (this.table.locks.has(name)) return { kind: "exists" };
      this.table.create(name, limit, true);
      this.touch(name);
      this.emit({ name, kind: "reserved" });
      return { kind: "reserved", limit };
    });
  }

  describe(name: string): Promise<LockSnapshot> {
    return this.run(() => this.table.snapshot(name));
  }

  list(input: ListInput): Promise<LockSnapshot[]> {
    return this.run(() =>
      [...this.table.locks.keys()]
        .filter((n) => n.startsWith(input.prefix) && n > input.after)
        .sort()
        .slice(0, input.limit)
        .map((n) => this.table.snapshot(n)),
    );
  }

  subscribe(listener: (event: LockEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.timers.clear();
    await this.handle.commits.settled().catch(() => {});
    this.listeners.clear();
    await this.handle.release();
  }

  write(): void {
    this.written = this.table.write(this.batch.names);
  }

  committed(): void {
    const { events } = this.batch;
    this.table.settle(this.written);
    this.batch = emptyBatch();
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
  }

  failed(_error: StoreUnavailableError): void {
    const batch = this.batch;
    this.batch = emptyBatch();
    for (const name of batch.names) for (const lease of this.table.locks.get(name)?.holders.values() ?? []) this.timers.cancel(lease.token);
    const retry = this.table.rollback(batch);
    for (const name of batch.names) for (const lease of this.table.locks.get(name)?.holders.values() ?? []) this.arm(name, lease);
    // The disk may still be full: try the hand-off again later rather than in a tight loop.
    for (const name of retry) this.timers.later(() => void this.run(() => this.handOffNamed(name)).catch(() => {}));
  }

  /**
   * Runs one transition and answers once what it (or anything before it) changed is durable.
   * A transition that changed nothing still waits for the open batch: it may show its state.
   */
  private async run<T>(step: () => T): Promise<T> {
    const before = this.changes;
    const result = step();
    if (this.changes !== before) await this.handle.commits.join(this);
    else await this.handle.commits.settled();
    return result;
  }

  private expire(name: string, token: string): void {
    const lease = this.table.locks.get(name)?.holders.get(token);
    if (lease === undefined || lease.expiresAtMs === 0) return;
    if (lease.expiresAtMs > this.nowMs()) return this.arm(name, lease);
    // Nobody awaits an expiry; a failed commit is undone and the timer re-armed by `failed`.
    void this.run(() => this.removeHolder(name, token, "expired")).catch(() => {});
  }

  private handOffNamed(name: string): void {
    const lock = this.table.locks.get(name);
    if (lock !== undefined) this.handOff(name, lock);
  }

  private removeHolder(name: string, token: string, kind: "released" | "expired"): LeaseRecord | undefined {
    const lock = this.table.locks.get(name);
    const lease = lock?.holders.get(token);
    if (lock === undefined || lease === undefined) return undefined;
    lock.holders.delete(token);
    this.timers.cancel(token);
    this.touch(name);
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
      this.batch.granted.push({ name, waiter });
      this.grant(name, lock, waiter, waiter.id);
    }
  }

  private grant(name: string, lock: Entry, claim: Grantee, waiterId?: string): LeaseRecord {
    const now = this.nowMs();
    const { owner, token, ttlMs, permits, shared, value } = claim;
    lock.fencing += 1n;
    const lease: LeaseRecord = { name, owner, token, fencing: lock.fencing, acquiredAtMs: now, expiresAtMs: ttlMs === 0 ? 0 : now + ttlMs, ttlMs, permits, shared, value };
    lock.holders.set(token, lease);
    this.arm(name, lease);
    this.touch(name);
    this.emit(waiterId === undefined ? { name, kind: "granted", lease: { ...lease } } : { name, kind: "granted", lease: { ...lease }, waiterId });
    return { ...lease };
  }

  private forgetIfIdle(name: string, lock: Entry): void {
    if (this.table.forgetIfIdle(name, lock)) this.touch(name);
  }

  private arm(name: string, lease: LeaseRecord): void {
    if (lease.expiresAtMs === 0) this.timers.cancel(lease.token);
    else this.timers.schedule(name, lease.token, lease.expiresAtMs);
  }

  /** Marks a lock's record for the open batch. */
  private touch(name: string): void {
    this.batch.names.add(name);
    this.changes++;
  }

  private emit(event: LockEvent): void {
    this.batch.events.push(event);
    this.changes++;
  }
}
