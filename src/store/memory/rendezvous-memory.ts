import type {
  ArriveInput,
  ArriveResult,
  BarrierRecord,
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
  WaitingKey,
} from "../rendezvous.js";
import { RecentTimeouts, type RecentTimeoutOptions } from "./rendezvous-timeouts.js";

/** A registered waiter of a key. */
interface Waiter {
  owner: string;
  sinceMs: number;
}

/** A barrier's generation that is gathering; arrivals in arrival order (Map order). */
interface Barrier {
  parties: number;
  generation: number;
  arrivals: Map<string, string>;
}

/** Options of the memory rendezvous store; the defaults suit a server. */
export interface MemoryRendezvousOptions {
  nowMs?: () => number;
  recentTimeouts?: RecentTimeoutOptions;
}

/** Owners shown per key in List. */
const SHOWN_OWNERS = 20;
/** setTimeout's longest delay; a longer TTL re-arms when the capped timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The embedded rendezvous store. Each operation is one synchronous state change (Node runs one
 * at a time, so each is atomic), and its events are delivered only once the state is consistent,
 * so a listener may call back into the store.
 */
export class MemoryRendezvousStore implements RendezvousStore {
  private readonly signals = new Map<string, SignalRecord>();
  private readonly expiry = new Map<string, NodeJS.Timeout>();
  private readonly waiters = new Map<string, Map<string, Waiter>>();
  private readonly barriers = new Map<string, Barrier>();
  /** The last generation that tripped, per barrier key; kept while idle so generations only grow. */
  private readonly generations = new Map<string, number>();
  private readonly timeouts: RecentTimeouts;
  private readonly listeners = new Set<(event: RendezvousEvent) => void>();
  private readonly nowMs: () => number;

  constructor(options: MemoryRendezvousOptions = {}) {
    this.nowMs = options.nowMs ?? Date.now;
    this.timeouts = new RecentTimeouts(options.recentTimeouts ?? { windowMs: 10 * 60_000, maxKeys: 1000 }, this.nowMs);
  }

  async signal(input: SignalInput): Promise<SignalResult> {
    const now = this.nowMs();
    const signal: SignalRecord = { key: input.key, payload: input.payload, owner: input.owner, signaledAtMs: now };
    if (input.ttlMs !== undefined) signal.expiresAtMs = now + input.ttlMs;
    this.signals.set(input.key, signal);
    this.armExpiry(input.key, signal.expiresAtMs);
    const woken = this.waiters.get(input.key)?.size ?? 0;
    this.waiters.delete(input.key);
    this.emit({ kind: "signaled", key: input.key, signal: { ...signal }, woken });
    return { kind: "signaled", signal: { ...signal }, woken };
  }

  async reset(key: string): Promise<ResetResult> {
    const previous = this.signals.get(key);
    if (previous === undefined) return { kind: "not_set" };
    this.clearSignal(key);
    this.emit({ kind: "reset", key, previous: { ...previous } });
    return { kind: "reset", previous: { ...previous } };
  }

  async get(key: string): Promise<SignalRecord | undefined> {
    const signal = this.signals.get(key);
    return signal === undefined ? undefined : { ...signal };
  }

  async joinWait(input: JoinWaitInput): Promise<JoinWaitResult> {
    const signal = this.signals.get(input.key);
    if (signal !== undefined) return { kind: "set", signal: { ...signal } };
    let waiters = this.waiters.get(input.key);
    if (waiters === undefined) this.waiters.set(input.key, (waiters = new Map()));
    waiters.set(input.waiterId, { owner: input.owner, sinceMs: this.nowMs() });
    return { kind: "waiting", waiters: waiters.size };
  }

  async leaveWait(key: string, waiterId: string, reason: LeaveWaitReason): Promise<LeaveWaitResult> {
    const waiters = this.waiters.get(key);
    const waiter = waiters?.get(waiterId);
    if (waiters === undefined || waiter === undefined) return { kind: "not_waiting" };
    waiters.delete(waiterId);
    if (waiters.size === 0) this.waiters.delete(key);
    if (reason.kind === "timed_out") this.timeouts.record(key, waiter.owner, reason.waitedMs);
    return { kind: "left" };
  }

  async arrive(input: ArriveInput): Promise<ArriveResult> {
    let barrier = this.barriers.get(input.key);
    if (barrier !== undefined && barrier.parties !== input.parties) {
      return { kind: "parties_mismatch", parties: barrier.parties, arrived: barrier.arrivals.size };
    }
    if (barrier === undefined) {
      barrier = { parties: input.parties, generation: (this.generations.get(input.key) ?? 0) + 1, arrivals: new Map() };
      this.barriers.set(input.key, barrier);
    }
    barrier.arrivals.set(input.participantId, input.owner);
    const { generation, parties } = barrier;
    if (barrier.arrivals.size >= parties) {
      const participants = [...barrier.arrivals.keys()];
      this.barriers.delete(input.key);
      this.generations.set(input.key, generation);
      this.emit({ kind: "tripped", key: input.key, generation, parties, participants });
      return { kind: "tripped", generation, parties, participants: [...participants] };
    }
    const arrived = barrier.arrivals.size;
    this.emit({ kind: "arrived", key: input.key, participantId: input.participantId, generation, arrived, parties });
    return { kind: "waiting", generation, arrived, parties };
  }

  async leaveBarrier(key: string, participantId: string): Promise<LeaveBarrierResult> {
    const barrier = this.barriers.get(key);
    if (barrier === undefined || !barrier.arrivals.delete(participantId)) return { kind: "not_waiting" };
    const { generation, parties } = barrier;
    const arrived = barrier.arrivals.size;
    // An empty barrier is forgotten: its next arrival may choose another number of parties.
    if (arrived === 0) this.barriers.delete(key);
    this.emit({ kind: "left", key, participantId, generation, arrived, parties });
    return { kind: "left", generation, arrived };
  }

  async touch(_refs: PresenceRef[], _leaseMs: number): Promise<void> {
    // Registrations live in this process and die with it: there is no other instance to outlive.
  }

  async list(input: RendezvousListInput): Promise<RendezvousListing> {
    const { prefix, limit } = input;
    const waiting: WaitingKey[] = sortedKeys(this.waiters.keys(), prefix, limit).map((key) => {
      const entries = [...(this.waiters.get(key)?.values() ?? [])];
      return {
        key,
        waiters: entries.length,
        sinceMs: Math.min(...entries.map((w) => w.sinceMs)),
        owners: entries.slice(0, SHOWN_OWNERS).map((w) => w.owner),
      };
    });
    const set = sortedKeys(this.signals.keys(), prefix, limit).map((key) => ({ ...(this.signals.get(key) as SignalRecord) }));
    const barriers: BarrierRecord[] = sortedKeys(this.barriers.keys(), prefix, limit).map((key) => {
      const b = this.barriers.get(key) as Barrier;
      return {
        key,
        generation: b.generation,
        arrived: b.arrivals.size,
        parties: b.parties,
        owners: [...b.arrivals.values()].slice(0, SHOWN_OWNERS),
      };
    });
    return { waiting, set, timedOut: this.timeouts.list(prefix, limit), barriers };
  }

  subscribe(listener: (event: RendezvousEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ping(): Promise<void> {
    // In process: always able to deliver.
  }

  async close(): Promise<void> {
    for (const timer of this.expiry.values()) clearTimeout(timer);
    this.expiry.clear();
    this.listeners.clear();
  }

  /** The expire step: clears a key whose TTL has run out. */
  private expire(key: string): void {
    this.expiry.delete(key);
    const signal = this.signals.get(key);
    if (signal?.expiresAtMs === undefined) return;
    if (signal.expiresAtMs > this.nowMs()) return this.armExpiry(key, signal.expiresAtMs);
    this.clearSignal(key);
    this.emit({ kind: "expired", key, previous: { ...signal } });
  }

  private armExpiry(key: string, expiresAtMs: number | undefined): void {
    clearTimeout(this.expiry.get(key));
    this.expiry.delete(key);
    if (expiresAtMs === undefined) return;
    const delay = Math.min(Math.max(0, expiresAtMs - this.nowMs()), MAX_TIMER_MS);
    const timer = setTimeout(() => this.expire(key), delay);
    timer.unref();
    this.expiry.set(key, timer);
  }

  private clearSignal(key: string): void {
    this.signals.delete(key);
    this.armExpiry(key, undefined);
  }

  /** Delivers an event after the state change; a throwing listener must not undo or block it. */
  private emit(event: RendezvousEvent): void {
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

function sortedKeys(keys: Iterable<string>, prefix: string, limit: number): string[] {
  return [...keys].filter((k) => k.startsWith(prefix)).sort().slice(0, limit);
}
