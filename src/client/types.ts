/**
 * The client's view of Baton's data. Conventions, the same everywhere in the client:
 * - fencing tokens are `bigint` (they are uint64 and must compare exactly);
 * - points in time are `Date`s on the server's clock;
 * - durations are numbers of milliseconds, in options and fields named `…Ms`.
 */

/** A granted permit. Keep `token` secret: it is what releases and refreshes the lease. */
export interface Lease {
  readonly name: string;
  readonly owner: string;
  readonly token: string;
  /** Strictly increases with every grant of this lock; hand it to the resource you protect. */
  readonly fencing: bigint;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
  /** The TTL a refresh without one extends the lease by. */
  readonly ttlMs: number;
  /** What the holder published (an election leader's value); "" when nothing. */
  readonly value: string;
  /** Permits held: 1 for a mutex holder, k for a weighted acquire, 0 when shared. */
  readonly permits: number;
  /** Held in shared (reader) mode. */
  readonly shared: boolean;
}

/** A lease as everyone may see it: without its token. */
export interface Holder {
  readonly owner: string;
  readonly fencing: bigint;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
  readonly value: string;
  readonly permits: number;
  readonly shared: boolean;
}

/** One entry of a lock's queue; position 1 is the next to be granted. */
export interface Waiter {
  readonly owner: string;
  readonly position: number;
  readonly queuedAt: Date;
  /** Permits it asks for; 0 when it asks in shared mode. */
  readonly permits: number;
  readonly shared: boolean;
}

/** The state of one lock. */
export interface LockInfo {
  readonly name: string;
  /** Permits: 1 for a mutex, N for a semaphore. */
  readonly limit: number;
  readonly holders: readonly Holder[];
  readonly waiters: readonly Waiter[];
  /** Made by `reserve` and kept while idle. */
  readonly reserved: boolean;
  /** The last fencing token granted, 0n when never granted. */
  readonly lastFencing: bigint;
}

/** One event of `wait()`: a queue position, then the grant (and, with `hold`, maybe a loss). */
export type WaitEvent =
  | { readonly type: "queued"; readonly position: number; readonly queueLength: number; readonly holders: readonly Holder[] }
  | { readonly type: "granted"; readonly lease: Lease }
  | { readonly type: "lost"; readonly reason: string };

/** What changed in a lock; "snapshot" is the initial state a watch asked for. */
export type LockChangeKind = "snapshot" | "granted" | "released" | "expired" | "refreshed" | "queued" | "dequeued" | "reserved" | "proclaimed";

/** One event of `watch()`: what changed and the lock's state after the change. */
export interface LockChange {
  readonly kind: LockChangeKind;
  readonly lock: LockInfo;
}

/** Options of `acquire` and `tryAcquire`. */
export interface AcquireOptions {
  /** Lease TTL; the server's default when unset. */
  ttlMs?: number;
  /**
   * How long to wait for a permit: 0 tries once; unset (or Infinity) waits until granted or
   * cancelled. Ignored by `tryAcquire`.
   */
  waitMs?: number;
  /** Permits of the lock (1 = mutex); the lock's current limit when unset. */
  limit?: number;
  /** Take the lock in shared (reader) mode: beside other shared holders, never beside a writer. */
  shared?: boolean;
  /** Exclusive permits to take at once (weighted semaphore, default 1); at most the limit. */
  permits?: number;
  /** A value to publish with the lease, shown to everyone (at most 4096 bytes). */
  value?: string;
  /** Who is asking, shown to everyone; the client's default owner when unset. */
  owner?: string;
  /** Cancels the call; a cancelled wait leaves the queue at once. */
  signal?: AbortSignal;
  /** Called with every queue position while waiting. */
  onQueued?: (event: Extract<WaitEvent, { type: "queued" }>) => void;
}

/** Options of `wait`. */
export interface WaitOptions {
  ttlMs?: number;
  limit?: number;
  /** Take the lock in shared (reader) mode: beside other shared holders, never beside a writer. */
  shared?: boolean;
  /** Exclusive permits to take at once (weighted semaphore, default 1); at most the limit. */
  permits?: number;
  /** A value to publish with the lease, shown to everyone (at most 4096 bytes). */
  value?: string;
  owner?: string;
  /** How long to wait for the grant: unset as long as the iteration lasts, 0 not at all, N up to N ms. */
  waitMs?: number;
  /** Keep the stream open after the grant; the server holds the lease until the iteration ends. */
  hold?: boolean;
  signal?: AbortSignal;
}

/** Options of `watch`: an exact `name`, or a `prefix` ("" watches every lock). */
export interface WatchOptions {
  name?: string;
  prefix?: string;
  /** First yield the current state of every matching lock as "snapshot" changes. */
  initial?: boolean;
  signal?: AbortSignal;
}

/** Options of the unary calls that only need cancelling. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** An election's leader as everyone sees it. */
export interface Leader {
  readonly name: string;
  readonly owner: string;
  readonly value: string;
  /** The leader's term: its fencing token, strictly increasing with every new leader. */
  readonly term: bigint;
  readonly electedAt: Date;
  readonly expiresAt: Date;
}

/** Options of `campaign`. */
export interface CampaignOptions {
  /** The value to publish while leader (an address, say). */
  value?: string;
  ttlMs?: number;
  /** How long to wait to lead: unset until elected or cancelled, 0 tries once, N up to N ms. */
  waitMs?: number;
  owner?: string;
  signal?: AbortSignal;
}
