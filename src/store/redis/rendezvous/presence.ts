import type { ArriveResult, JoinWaitResult, PresenceRef, RendezvousEvent, SignalRecord } from "../../rendezvous.js";
import { toSignal, type WireSignal, type WireTrip } from "./rendezvous-codec.js";
import { DirtyQueue } from "../dirty-queue.js";

/** A waiter or barrier participant this instance registered, as it remembers it. */
export interface Registration {
  kind: "W" | "P";
  key: string;
  id: string;
  owner: string;
  /** Waiter: sequence of the last signal known when it joined (a later one woke it). */
  joinSeq: number;
  /** Participant: the number of parties it arrived for. */
  parties: number;
  /** The instance id it was registered (or last re-tagged) under. */
  origin: string;
}

/** What touch.lua reported for one key. */
export interface TouchReport {
  statuses: Map<string, "here" | "gone">;
  last?: WireSignal;
  trip?: WireTrip;
}

/** What Presence needs from the store. */
export interface PresenceTarget {
  /**
   * Renews these registrations of one key for `leaseMs` and reports where each stands; `retag`
   * (an id, or "") moves them to this instance's current id.
   */
  touch(key: string, refs: { kind: "W" | "P"; id: string }[], leaseMs: number, retag: string): Promise<TouchReport>;
  /** This instance's current id (see ../instance-presence.ts). */
  currentId(): string;
  /** The last registration on a key left (see InstancePresence.idle). */
  idle(key: string): void;
  /** Registers a waiter again after its presence lapsed. */
  rejoin(reg: Registration): Promise<{ result: JoinWaitResult; seq: number }>;
  /** Counts a participant again after its presence lapsed. */
  rearrive(reg: Registration): Promise<ArriveResult>;
  /** Delivers an event this instance missed to its own listeners (deduplicated there). */
  emitLocal(event: RendezvousEvent, seq: number): void;
}

/** Keys renewed at once at most by the background renewal. */
const CONCURRENCY = 32;

/**
 * The waiters and participants this instance registered and whose streams it serves. Renews
 * their presence (so other instances' sweeps keep them counted while this one lives) and
 * reconciles them with Redis after a reconnect or a lapse: a signal or trip whose event was
 * missed is delivered, a registration that lapsed while this instance lived is made again.
 * Registrations are kept by key; background renewals go through one DirtyQueue (a key once
 * however often named, CONCURRENCY at a time, backing off while Redis fails).
 */
export class Presence {
  private readonly regs = new Map<string, Registration>();
  private readonly byKey = new Map<string, Map<string, Registration>>();
  /** Waiters a signal event woke; their stream's leave then needs no round trip to Redis. */
  private readonly woken = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly queue: DirtyQueue;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: PresenceTarget,
    private readonly presenceMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.queue = new DirtyQueue((key) => this.reconcile(key, this.presenceMs), onError, { concurrency: CONCURRENCY, retryBaseMs: 100, retryMaxMs: 2000 });
  }

  /** Remembers a registration the store confirmed. */
  add(reg: Registration): void {
    this.drop(reg.id);
    this.regs.set(reg.id, reg);
    let mine = this.byKey.get(reg.key);
    if (mine === undefined) this.byKey.set(reg.key, (mine = new Map()));
    mine.set(reg.id, reg);
  }

  /** Forgets a registration (left, woken, tripped); forgotten first, so a failed leave lapses instead of being renewed. */
  drop(id: string): void {
    const reg = this.regs.get(id);
    if (reg === undefined) return;
    this.regs.delete(id);
    const mine = this.byKey.get(reg.key);
    mine?.delete(id);
    if (mine?.size === 0) {
      this.byKey.delete(reg.key);
      this.target.idle(reg.key);
    }
  }

  /**
   * Whether a signal event removed this waiter (forgetting that it did). The signal script
   * removed it from Redis in the same step, so leaving needs no script run: with a thousand
   * waiters woken at once, that is a thousand round trips saved.
   */
  takeWoken(id: string): boolean {
    return this.woken.delete(id);
  }

  /** How many registrations this instance keeps alive. */
  get size(): number {
    return this.regs.size;
  }

  /** Whether this instance has registrations on a key. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Keys this instance has registrations on. */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /** The store's event hook: forgets what an event ended, notices a lapse of its own. */
  onEvent(event: RendezvousEvent, seq: number): void {
    if (event.kind === "signaled") {
      for (const reg of [...(this.byKey.get(event.key)?.values() ?? [])]) {
        if (reg.kind !== "W" || reg.joinSeq >= seq) continue;
        this.drop(reg.id);
        this.woken.add(reg.id);
      }
    } else if (event.kind === "tripped") {
      for (const id of event.participants) if (this.regs.get(id)?.kind === "P") this.drop(id);
    } else if (event.kind === "left" && this.regs.get(event.participantId)?.kind === "P") {
      // Uncounted without a leave from us: its presence lapsed. Count it again.
      this.queue.mark(event.key);
    }
  }

  /** Renews presence every third of the presence time, reconciling as it goes. */
  start(): void {
    this.timer = setInterval(() => this.reconcileAll(), Math.max(10, Math.floor(this.presenceMs / 3)));
    this.timer.unref();
  }

  /** Stops renewing. */
  stop(): void {
    clearInterval(this.timer);
    this.queue.stop();
  }

  /** Renews and re-reads every key with registrations soon (after a reconnect, and periodically). */
  reconcileAll(): void {
    this.queue.markAll(this.byKey.keys());
  }

  /** Renews and re-reads one key soon, if this instance has registrations on it (e.g. a script's answer was lost). */
  request(key: string): void {
    if (this.byKey.has(key)) this.queue.mark(key);
  }

  /** Renews the given refs (the engine's touch) with their keys' other registrations. */
  async touch(refs: PresenceRef[], leaseMs: number): Promise<void> {
    const keys = new Set(refs.map((r) => r.key));
    const extra = new Map<string, { kind: "W" | "P"; id: string }[]>();
    for (const ref of refs) {
      if (this.regs.has(ref.id)) continue;
      const list = extra.get(ref.key) ?? [];
      list.push({ kind: ref.kind === "waiter" ? "W" : "P", id: ref.id });
      extra.set(ref.key, list);
    }
    await Promise.all([...keys].map((key) => this.reconcile(key, leaseMs, extra.get(key) ?? []).catch((error: unknown) => this.onError(error))));
  }

  /** Renews a key's registrations (and `extra`) and acts on what it reports; rejects when Redis fails. */
  private reconcile(key: string, leaseMs: number, extra: { kind: "W" | "P"; id: string }[] = []): Promise<void> {
    const running = this.inFlight.get(key);
    if (running !== undefined && extra.length === 0) return running;
    const mine = [...(this.byKey.get(key)?.values() ?? [])];
    const refs = [...mine.map((r) => ({ kind: r.kind, id: r.id })), ...extra];
    if (refs.length === 0) return Promise.resolve();
    const id = this.target.currentId();
    const work = this.target
      .touch(key, refs, leaseMs, mine.some((r) => r.origin !== id) ? id : "")
      .then((report) => {
        for (const reg of mine) if (report.statuses.get(reg.id) === "here") reg.origin = id;
        return Promise.all(mine.map((reg) => this.settle(reg, report)));
      })
      .then(() => undefined)
      .finally(() => {
        if (this.inFlight.get(key) === work) this.inFlight.delete(key);
      });
    this.inFlight.set(key, work);
    return work;
  }

  /** Acts on one registration's status; only on one still ours (an event or leave may have beaten the answer). */
  private async settle(reg: Registration, report: TouchReport): Promise<void> {
    if (report.statuses.get(reg.id) !== "gone" || this.regs.get(reg.id) !== reg) return;
    if (reg.kind === "W") {
      const last = report.last;
      if (last !== undefined && Number(last.n) > reg.joinSeq) return this.wake(reg, last);
      const id = this.target.currentId();
      const { result, seq } = await this.target.rejoin(reg);
      reg.origin = id;
      if (this.regs.get(reg.id) !== reg) return;
      if (result.kind === "set") this.wakeWith(reg, result.signal, seq);
      else reg.joinSeq = seq;
      return;
    }
    const trip = report.trip;
    const ids = Array.isArray(trip?.ps) ? (trip.ps as string[]) : [];
    if (trip !== undefined && ids.includes(reg.id)) {
      this.drop(reg.id);
      this.target.emitLocal({ kind: "tripped", key: reg.key, generation: trip.g, parties: trip.p, participants: ids }, 0);
      return;
    }
    const id = this.target.currentId();
    const result = await this.target.rearrive(reg);
    reg.origin = id;
    if (this.regs.get(reg.id) !== reg) return;
    if (result.kind === "tripped") {
      this.drop(reg.id);
      this.target.emitLocal({ kind: "tripped", key: reg.key, generation: result.generation, parties: result.parties, participants: result.participants }, 0);
    } else if (result.kind === "parties_mismatch") {
      this.drop(reg.id);
      this.onError(new Error(`participant ${reg.id} of barrier "${reg.key}" lapsed and could not arrive again: it now gathers ${result.parties} parties`));
    }
  }

  private wake(reg: Registration, last: WireSignal): void {
    this.wakeWith(reg, toSignal(reg.key, last), Number(last.n));
  }

  private wakeWith(reg: Registration, signal: SignalRecord, seq: number): void {
    this.drop(reg.id);
    this.target.emitLocal({ kind: "signaled", key: reg.key, signal, woken: 0 }, seq);
  }
}
