import type {
  ArriveInput,
  ArriveResult,
  JoinWaitInput,
  JoinWaitResult,
  LeaveBarrierResult,
  LeaveWaitReason,
  LeaveWaitResult,
  PresenceRef,
  RendezvousEvent,
  RendezvousListInput,
  RendezvousListing,
  RendezvousStore,
  ResetResult,
  SignalInput,
  SignalRecord,
  SignalResult,
} from "../rendezvous.js";
import type { StoreUnavailableError } from "../errors.js";
import { MemoryRendezvousStore } from "../memory/rendezvous-memory.js";
import { encodeSignal, SIGNAL_PREFIX } from "./codec.js";
import type { Participant } from "./group-commit.js";
import type { DurableHandle } from "./shared-handle.js";

/** A signal or reset waiting for its batch to be durable. */
type PendingOp =
  | { kind: "signal"; record: SignalRecord; resolve: (r: Promise<SignalResult>) => void; reject: (e: Error) => void }
  | { kind: "reset"; key: string; resolve: (r: Promise<ResetResult>) => void; reject: (e: Error) => void };

/**
 * The durable rendezvous store. Keys that are set (with their TTLs) are kept on disk; waiters and
 * barrier arrivals live on connections and, like the lock queues, do not survive a restart.
 * Signal and reset write ahead: the record goes into the next group commit, and only once it is
 * durable is it applied to the memory store behind, which answers and wakes the waiters. So no
 * waiter is ever woken by a signal that a crash could take back, and everything the memory store
 * shows is already on disk.
 */
export class DurableRendezvousStore implements RendezvousStore, Participant {
  private readonly inner: MemoryRendezvousStore;
  private pending: PendingOp[] = [];
  /** Keys the memory store expired, whose records the next batch removes. */
  private expired = new Set<string>();
  /** Set for one clock read: makes the memory store stamp a signal with its original time. */
  private stampAtMs: number | undefined;
  private readonly unsubscribeExpiry: () => void;

  constructor(private readonly handle: DurableHandle) {
    this.inner = new MemoryRendezvousStore({ nowMs: () => this.clock() });
    for (const signal of handle.recovered.signals) void this.apply(signal);
    // An expired key's record goes in the next batch; if that is lost, start-up expires it again.
    this.unsubscribeExpiry = this.inner.subscribe((event) => {
      if (event.kind !== "expired") return;
      this.expired.add(event.key);
      this.handle.commits.join(this).catch(() => {});
    });
  }

  signal(input: SignalInput): Promise<SignalResult> {
    const now = Date.now();
    const record: SignalRecord = { key: input.key, payload: input.payload, owner: input.owner, signaledAtMs: now };
    if (input.ttlMs !== undefined) record.expiresAtMs = now + input.ttlMs;
    return new Promise<SignalResult>((resolve, reject) => {
      this.pending.push({ kind: "signal", record, resolve, reject });
      this.handle.commits.join(this).catch(() => {});
    });
  }

  reset(key: string): Promise<ResetResult> {
    return new Promise<ResetResult>((resolve, reject) => {
      this.pending.push({ kind: "reset", key, resolve, reject });
      this.handle.commits.join(this).catch(() => {});
    });
  }

  get(key: string): Promise<SignalRecord | undefined> {
    return this.inner.get(key);
  }

  joinWait(input: JoinWaitInput): Promise<JoinWaitResult> {
    return this.inner.joinWait(input);
  }

  leaveWait(key: string, waiterId: string, reason: LeaveWaitReason): Promise<LeaveWaitResult> {
    return this.inner.leaveWait(key, waiterId, reason);
  }

  arrive(input: ArriveInput): Promise<ArriveResult> {
    return this.inner.arrive(input);
  }

  leaveBarrier(key: string, participantId: string): Promise<LeaveBarrierResult> {
    return this.inner.leaveBarrier(key, participantId);
  }

  touch(refs: PresenceRef[], leaseMs: number): Promise<void> {
    return this.inner.touch(refs, leaseMs);
  }

  list(input: RendezvousListInput): Promise<RendezvousListing> {
    return this.inner.list(input);
  }

  subscribe(listener: (event: RendezvousEvent) => void): () => void {
    return this.inner.subscribe(listener);
  }

  async ping(): Promise<void> {
    // In process: events are delivered as long as the process lives.
  }

  async close(): Promise<void> {
    await this.handle.commits.settled().catch(() => {});
    this.unsubscribeExpiry();
    await this.inner.close();
    await this.handle.release();
  }

  write(): void {
    const last = new Map<string, SignalRecord | undefined>();
    for (const op of this.pending) last.set(op.kind === "signal" ? op.record.key : op.key, op.kind === "signal" ? op.record : undefined);
    const { db } = this.handle.database;
    for (const key of this.expired) if (!last.has(key)) db.removeSync(SIGNAL_PREFIX + key);
    for (const [key, record] of last) {
      if (record === undefined) db.removeSync(SIGNAL_PREFIX + key);
      else db.putSync(SIGNAL_PREFIX + key, encodeSignal(record));
    }
  }

  committed(): void {
    const ops = this.pending;
    this.pending = [];
    this.expired = new Set();
    for (const op of ops) {
      if (op.kind === "signal") op.resolve(this.apply(op.record));
      else op.resolve(this.inner.reset(op.key));
    }
  }

  failed(error: StoreUnavailableError): void {
    const ops = this.pending;
    this.pending = [];
    // Expired keys stay in `expired` for the next batch; start-up would expire them anyway.
    for (const op of ops) op.reject(error);
  }

  /**
   * Sets a key in the memory store with the time it was signaled at. The memory store's
   * operations change state synchronously; only their answer is a promise.
   */
  private apply(record: SignalRecord): Promise<SignalResult> {
    this.stampAtMs = record.signaledAtMs;
    const ttlMs = record.expiresAtMs === undefined ? undefined : record.expiresAtMs - record.signaledAtMs;
    try {
      return this.inner.signal({ key: record.key, payload: record.payload, owner: record.owner, ttlMs });
    } finally {
      this.stampAtMs = undefined;
    }
  }

  private clock(): number {
    const stamp = this.stampAtMs;
    this.stampAtMs = undefined;
    return stamp ?? Date.now();
  }
}
