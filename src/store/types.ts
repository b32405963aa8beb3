/**
 * The Store contract (DESIGN §4): every state transition of a lock is one atomic operation, and
 * every operation reports what it did as a typed result, never as a transport error. Release and
 * expiry hand the freed permit to the head of the queue inside the same step.
 */

/** A granted permit as a store keeps it. `token` is secret to the holder. */
export interface LeaseRecord {
  name: string;
  owner: string;
  token: string;
  fencing: bigint;
  acquiredAtMs: number;
  /** 0 when the lease never expires (ttlMs 0, only where a pool allows it). */
  expiresAtMs: number;
  ttlMs: number;
  /** Exclusive permits held (1 for a mutex holder); 0 for a shared holder. */
  permits: number;
  /** Held in shared (reader) mode: compatible with other shared holders only. */
  shared: boolean;
  /** What the holder published (an election candidate's address); "" when nothing. */
  value: string;
}

/** One entry of a lock's FIFO queue. */
export interface WaiterRecord {
  id: string;
  owner: string;
  ttlMs: number;
  queuedAtMs: number;
  /** The secret the lease will carry when this waiter is granted; never shown to others. */
  token: string;
  /** Exclusive permits wanted; 0 in shared mode. */
  permits: number;
  shared: boolean;
  value: string;
}

/** The whole state of one lock at one instant. */
export interface LockSnapshot {
  name: string;
  limit: number;
  /** Oldest grant first. */
  holders: LeaseRecord[];
  /** Head of the queue first. */
  waiters: WaiterRecord[];
  reserved: boolean;
  /** The last fencing token granted; 0n when never granted. */
  lastFencing: bigint;
}

/** Input of the acquire-or-enqueue step. */
export interface AcquireInput {
  name: string;
  owner: string;
  ttlMs: number;
  /** Permits wanted for the lock; undefined keeps the lock's limit (1 for a new lock). */
  limit?: number;
  /** When set and no permit is free, the caller joins the queue under this id. */
  waiterId?: string;
  /** Length beyond which the queue refuses new waiters. */
  maxQueueLength: number;
  /**
   * The secret for the lease, now or when the queued caller is granted later: the store never
   * invents secrets (Lua has no good randomness), the engine does.
   */
  token: string;
  /** Exclusive permits wanted (default 1); ignored with `shared`. */
  permits?: number;
  /** Shared (reader) mode. */
  shared?: boolean;
  /** The value the lease publishes (default ""). */
  value?: string;
}

/** What the acquire-or-enqueue step did. */
export type AcquireResult =
  | { kind: "granted"; lease: LeaseRecord }
  | { kind: "queued"; position: number; queueLength: number; holders: LeaseRecord[] }
  | { kind: "busy"; holders: LeaseRecord[]; queueLength: number }
  | { kind: "limit_mismatch"; limit: number }
  | { kind: "queue_full"; queueLength: number }
  | { kind: "too_many_permits"; limit: number; permits: number };

/** What release did: the released lease, or nothing because the token holds nothing. */
export type ReleaseResult = { kind: "released"; lease: LeaseRecord } | { kind: "not_held" };

/** What refresh did. */
export type RefreshResult = { kind: "refreshed"; lease: LeaseRecord } | { kind: "not_held" };

/** What proclaim did: the lease with its new value, or nothing because the token holds nothing. */
export type ProclaimResult = { kind: "proclaimed"; lease: LeaseRecord } | { kind: "not_held" };

/** What cancel-waiter did; `not_waiting` includes a waiter already granted (its event is on its way). */
export type CancelResult = { kind: "cancelled" } | { kind: "not_waiting" };

/** What reserve did. */
export type ReserveResult = { kind: "reserved"; limit: number } | { kind: "exists" };

/** The kinds of change a store reports. */
export type LockEventKind =
  | "granted"
  | "released"
  | "expired"
  | "refreshed"
  | "queued"
  | "dequeued"
  | "reserved"
  | "proclaimed";

/**
 * One change of one lock. `waiterId` is set on a grant to a queued waiter (the engine routes the
 * lease to that waiter's stream) and on queued/dequeued; `lease` on grants, releases, expiries
 * and refreshes.
 */
export interface LockEvent {
  name: string;
  kind: LockEventKind;
  lease?: LeaseRecord;
  waiterId?: string;
}

/** Options of List: names in byte order, strictly after `after`, starting with `prefix`. */
export interface ListInput {
  prefix: string;
  after: string;
  limit: number;
}

/** The storage behind the engine: in memory, or Redis shared by many Baton instances. */
export interface Store {
  /** Grants a permit, or queues the caller (with `waiterId`), or says why not. */
  acquire(input: AcquireInput): Promise<AcquireResult>;
  /** Releases the lease with this token; a free permit goes to the queue's head in the same step. */
  release(name: string, token: string): Promise<ReleaseResult>;
  /**
   * Releases the oldest lease held by `owner`. Only for the compatibility layers, whose original
   * APIs identify holders by name instead of by a secret token.
   */
  releaseByOwner(name: string, owner: string): Promise<ReleaseResult>;
  /** Moves a lease's expiry to now + ttlMs (the lease's own TTL when undefined). */
  refresh(name: string, token: string, ttlMs?: number): Promise<RefreshResult>;
  /** Replaces the value a lease publishes (an election leader's proclaim). */
  proclaim(name: string, token: string, value: string): Promise<ProclaimResult>;
  /** Removes a waiter from the queue; those behind it move up. */
  cancelWaiter(name: string, waiterId: string): Promise<CancelResult>;
  /** Creates an idle lock that is kept while idle. */
  reserve(name: string, limit: number): Promise<ReserveResult>;
  /** The state of one lock; a lock the store does not know is free with limit 1. */
  describe(name: string): Promise<LockSnapshot>;
  /** Locks that are held, waited for or reserved. */
  list(input: ListInput): Promise<LockSnapshot[]>;
  /** Registers a listener for every change; returns the function that unregisters it. */
  subscribe(listener: (event: LockEvent) => void): () => void;
  /** Stops timers and connections; leases are kept where the store persists them. */
  close(): Promise<void>;
}
