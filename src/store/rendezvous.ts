/**
 * The RendezvousStore contract (DESIGN §4): signals, waiters and barriers, each transition one
 * atomic operation (one synchronous function in memory, one Lua script in Redis touching only the
 * key's own hash slot, `baton:rv:{key}:…`). Every operation reports what it did as a typed result;
 * every change is also an event that listeners receive (in Redis by pub/sub), so the engine can
 * wake streams that live in this process whichever instance made the change.
 */
import { MemoryRendezvousStore } from "./memory/rendezvous-memory.js";
import { RedisRendezvousStore } from "./redis/rendezvous/redis-rendezvous-store.js";
import { DurableRendezvousStore } from "./durable/durable-rendezvous-store.js";
import { acquireHandle } from "./durable/shared-handle.js";
import { isDurableSpec, parseDurableSpec } from "./durable/spec.js";

/** The value of a key that is set. */
export interface SignalRecord {
  key: string;
  /** UTF-8 text, at most 64 KiB (the engine checks the size). */
  payload: string;
  owner: string;
  signaledAtMs: number;
  /** When the key clears itself; undefined: set until reset. */
  expiresAtMs?: number;
}

/** Input of the signal step. */
export interface SignalInput {
  key: string;
  payload: string;
  owner: string;
  /** undefined: the key stays set until reset. */
  ttlMs?: number;
}

/** What signal did: the new value, and how many registered waiters it woke (and removed). */
export type SignalResult = { kind: "signaled"; signal: SignalRecord; woken: number };

/** What reset did. */
export type ResetResult = { kind: "reset"; previous: SignalRecord } | { kind: "not_set" };

/** Input of the check-and-register step of a wait. */
export interface JoinWaitInput {
  key: string;
  /** Unique per wait; the instance that registers it keeps it alive with `touch`. */
  waiterId: string;
  owner: string;
}

/** What joining a wait did: the key was already set (nothing registered), or the waiter is registered. */
export type JoinWaitResult = { kind: "set"; signal: SignalRecord } | { kind: "waiting"; waiters: number };

/**
 * How a wait ended without a signal. A timed-out wait is remembered for List; a waiter that
 * merely left (stream closed) is not.
 */
export type LeaveWaitReason = { kind: "timed_out"; waitedMs: number } | { kind: "left" };

/** What leaving a wait did; `not_waiting` means a signal already woke (and removed) the waiter. */
export type LeaveWaitResult = { kind: "left" } | { kind: "not_waiting" };

/** Input of the arrive step of a barrier. */
export interface ArriveInput {
  key: string;
  participantId: string;
  owner: string;
  parties: number;
}

/**
 * What arriving did. `waiting`: counted, `arrived` participants so far. `tripped`: this arrival
 * completed the generation; `participants` are the ids counted, in arrival order (the index of
 * each is its place in that list + 1); the next arrival starts generation + 1.
 * `parties_mismatch`: the barrier is gathering a different number of parties.
 */
export type ArriveResult =
  | { kind: "waiting"; generation: number; arrived: number; parties: number }
  | { kind: "tripped"; generation: number; parties: number; participants: string[] }
  | { kind: "parties_mismatch"; parties: number; arrived: number };

/** What leaving a barrier did; `not_waiting` means it already tripped (or the id is unknown). */
export type LeaveBarrierResult = { kind: "left"; generation: number; arrived: number } | { kind: "not_waiting" };

/** A registration this instance keeps alive: a waiter of a key, or a participant of a barrier. */
export interface PresenceRef {
  kind: "waiter" | "participant";
  key: string;
  id: string;
}

/** A key someone waits for. */
export interface WaitingKey {
  key: string;
  waiters: number;
  sinceMs: number;
  /** Longest waiting first, at most 20. */
  owners: string[];
}

/** A key whose wait timed out recently (the latest timeout of the key). */
export interface TimedOutKey {
  key: string;
  atMs: number;
  waitedMs: number;
  owner: string;
  /** Timeouts of the key within the store's recent window. */
  count: number;
}

/** A barrier that is gathering. */
export interface BarrierRecord {
  key: string;
  generation: number;
  arrived: number;
  parties: number;
  /** Arrival order, at most 20. */
  owners: string[];
}

/** The state List shows, each list sorted by key. */
export interface RendezvousListing {
  waiting: WaitingKey[];
  set: SignalRecord[];
  timedOut: TimedOutKey[];
  barriers: BarrierRecord[];
}

/** Options of list: keys starting with `prefix`, at most `limit` in each list. */
export interface RendezvousListInput {
  prefix: string;
  limit: number;
}

/** One change, delivered to every listener (on every instance, for a shared store). */
export type RendezvousEvent =
  | { kind: "signaled"; key: string; signal: SignalRecord; woken: number }
  | { kind: "reset"; key: string; previous: SignalRecord }
  | { kind: "expired"; key: string; previous: SignalRecord }
  | { kind: "arrived"; key: string; participantId: string; generation: number; arrived: number; parties: number }
  | { kind: "left"; key: string; participantId: string; generation: number; arrived: number; parties: number }
  | { kind: "tripped"; key: string; generation: number; parties: number; participants: string[] };

/** The storage behind the rendezvous engine. */
export interface RendezvousStore {
  /** Sets a key and removes (wakes) every registered waiter of it, in one step. */
  signal(input: SignalInput): Promise<SignalResult>;
  /** Clears a key. */
  reset(key: string): Promise<ResetResult>;
  /** The value of a key, or undefined when it is not set. */
  get(key: string): Promise<SignalRecord | undefined>;
  /** Returns the value if the key is set, else registers the waiter: one step, so no signal slips between. */
  joinWait(input: JoinWaitInput): Promise<JoinWaitResult>;
  /** Unregisters a waiter that stopped waiting; a timeout is remembered for List in the same step. */
  leaveWait(key: string, waiterId: string, reason: LeaveWaitReason): Promise<LeaveWaitResult>;
  /** Counts a participant; the arrival that completes the generation trips it in the same step. */
  arrive(input: ArriveInput): Promise<ArriveResult>;
  /** Uncounts a participant that left before the trip. */
  leaveBarrier(key: string, participantId: string): Promise<LeaveBarrierResult>;
  /**
   * Keeps this instance's registrations alive for another `leaseMs`. A shared store drops
   * registrations whose instance stopped touching them (it died); the memory store lives and
   * dies with its instance, so it has nothing to expire.
   */
  touch(refs: PresenceRef[], leaseMs: number): Promise<void>;
  /** Keys with waiters, keys set, recent timeouts and gathering barriers. */
  list(input: RendezvousListInput): Promise<RendezvousListing>;
  /** Registers a listener for every change; returns the function that unregisters it. */
  subscribe(listener: (event: RendezvousEvent) => void): () => void;
  /**
   * Resolves when the store can deliver events (connected, pub/sub subscribed); throws
   * StoreUnavailableError when it cannot, so a subscription never looks live while deaf.
   */
  ping(): Promise<void>;
  /** Stops timers and connections. */
  close(): Promise<void>;
}

/**
 * Opens the rendezvous store a config's store URL names: "memory", or a redis:// / rediss:// URL,
 * on which signals, waits and barriers are shared by every Baton instance on that Redis (see
 * store/redis/README.md). Rejects with StoreUnavailableError when Redis cannot be reached.
 */
export async function openRendezvousStore(url: string, log?: (message: string) => void): Promise<RendezvousStore> {
  if (url === "memory") return new MemoryRendezvousStore();
  if (isDurableSpec(url)) return new DurableRendezvousStore(acquireHandle(parseDurableSpec(url), log ?? (() => {})));
  if (/^rediss?:\/\//.test(url)) return RedisRendezvousStore.open(url, log);
  throw new Error(`store ${url}: expected "memory" or a redis:// URL`);
}
