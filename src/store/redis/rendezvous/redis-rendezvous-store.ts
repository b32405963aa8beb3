import type { Cluster, Redis } from "ioredis";
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
} from "../../rendezvous.js";
import { StoreUnavailableError } from "../../errors.js";
import { connectStore, createClient, parseRedisUrl, storeError, type RedisStoreOptions } from "../connection.js";
import { Sweeper } from "../sweeper.js";
import {
  RV_DUE_INDEX_KEY,
  RV_EVENTS_CHANNEL,
  RV_NAMES_INDEX_KEY,
  RV_PRESENCE_KEYS,
  RV_TIMEOUTS_INDEX_KEY,
  rendezvousKeys,
  rvInstanceKeysKey,
  timeoutKey,
} from "./rendezvous-keys.js";
import { callRendezvousScript, defineRendezvousScripts, type IndexScript, type RendezvousScript } from "./rendezvous-scripts.js";
import { asList, parseEvent, parseReply, seqOf, toSignal, type WireReply, type WireSignal, type WireTrip } from "./rendezvous-codec.js";
import { GlobalIndexes } from "../indexes.js";
import { Presence, type TouchReport } from "./presence.js";
import { listRendezvous } from "./rendezvous-list.js";
import { RecentDeliveries } from "./recent-deliveries.js";
import { DirtyQueue } from "../dirty-queue.js";
import { mayHaveRun } from "../lost-answers.js";
import { wireInstances, type Instances } from "../instances.js";
import { subscribeEvents } from "../subscription.js";

/** How long timed-out waits are listed, and how long the last value and trip of a key are kept for catching up. */
export const RECENT_WINDOW_MS = 10 * 60_000;
/** Most timed-out keys listed (the oldest drop out first). */
export const MAX_TIMED_OUT_KEYS = 1000;

const READ_ONLY = new Set<RendezvousScript>(["get", "probe", "describe"]);

/**
 * The Redis rendezvous store: every transition is one Lua script on one key's slot, events
 * travel by pub/sub to every Baton instance, a due index swept by every instance expires values
 * with a TTL on time, and presence leases keep this instance's waiters and barrier participants
 * counted while it lives (and uncount them once it died).
 */
export class RedisRendezvousStore implements RendezvousStore {
  private readonly listeners = new Set<(event: RendezvousEvent) => void>();
  private readonly indexes: GlobalIndexes;
  private readonly sweeper: Sweeper;
  private readonly presence: Presence;
  private readonly delivered = new RecentDeliveries();
  /** Keys a mutating script ran on (or may have) without its answer or index write landing: see repair(). */
  private readonly repairs: DirtyQueue;
  /** This instance's presence, and the evictor of dead instances' registrations (../README.md "Instances that die"). */
  private readonly instances: Instances;
  /** Keys with a join or arrival in flight: registered in our set, not yet in `presence`. */
  private readonly joining = new Map<string, number>();
  private closed = false;

  private constructor(
    private readonly options: RedisStoreOptions,
    private readonly client: Redis | Cluster,
    private readonly sub: Redis | Cluster,
    private readonly log: (message: string) => void,
  ) {
    const onError = (error: unknown): void => this.background(error);
    this.indexes = new GlobalIndexes(client, { due: RV_DUE_INDEX_KEY, names: RV_NAMES_INDEX_KEY });
    this.sweeper = new Sweeper(
      {
        dueNames: async (limit, claimMs) => (await this.index("due-now", RV_DUE_INDEX_KEY, [limit, claimMs])) as string[],
        expire: (key) => this.run("expire", key, []),
        settle: (key, hints) => this.call(() => this.indexes.settle(key, hints, () => this.run("probe", key, []))),
      },
      options.sweepIntervalMs,
      onError,
    );
    this.presence = new Presence(
      {
        touch: (key, refs, leaseMs, retag) => this.touchKey(key, refs, leaseMs, retag),
        currentId: () => this.instances.presence.id,
        idle: (key) => this.instances.presence.idle(key),
        rejoin: async (reg) => {
          const r = await this.withKeyRegistered(reg.key, () => this.run("join-wait", reg.key, [reg.id, reg.owner, this.options.waiterHeartbeatTtlMs, this.instances.presence.id]));
          return { result: this.joinResult(reg.key, r), seq: r.r === "set" ? seqOf(r.s as WireSignal) : Number(r.n ?? 0) };
        },
        rearrive: (reg) => this.arriveStep({ key: reg.key, participantId: reg.id, owner: reg.owner, parties: reg.parties }),
        emitLocal: (event, seq) => this.deliver(event, seq),
      },
      options.waiterHeartbeatTtlMs,
      onError,
    );
    this.repairs = new DirtyQueue((key) => this.repair(key), onError, { concurrency: 32, retryBaseMs: 100, retryMaxMs: 2000 });
    this.instances = wireInstances({
      client,
      options,
      presenceKeys: RV_PRESENCE_KEYS,
      setKey: rvInstanceKeysKey,
      script: (script, keys, args) => callRendezvousScript(client, script, keys, args),
      evict: async (key, id) => {
        const r = await this.run("evict", key, [id]);
        return { waiters: Number(r.waiters ?? 0), "barrier participants": Number(r.participants ?? 0) };
      },
      hasWaiters: (key) => this.presence.has(key) || this.joining.has(key),
      names: () => this.presence.keys(),
      changedId: () => this.presence.reconcileAll(),
      call: (fn) => this.call(fn),
      onError,
      log,
    });
  }

  /**
   * Connects to the Redis (or cluster) a `redis://` URL names, subscribes to the events channel
   * before anything reads state, and starts the sweep and presence renewals. Rejects with
   * StoreUnavailableError naming the URL when Redis cannot be reached.
   */
  static async open(url: string, log: (message: string) => void = (m) => console.error(m)): Promise<RedisRendezvousStore> {
    const options = parseRedisUrl(url);
    const client = createClient(options, false);
    const sub = createClient(options, true);
    const store = new RedisRendezvousStore(options, client, sub, log);
    await connectStore(options, client, sub, async () => {
      defineRendezvousScripts(client);
      await store.listen();
      await store.instances.start();
    });
    store.sweeper.start();
    store.presence.start();
    return store;
  }

  async signal(input: SignalInput): Promise<SignalResult> {
    const r = await this.run("signal", input.key, [input.payload, input.owner, input.ttlMs ?? ""]);
    return { kind: "signaled", signal: toSignal(input.key, r.s as WireSignal), woken: Number(r.w) };
  }

  async reset(key: string): Promise<ResetResult> {
    const r = await this.run("reset", key, []);
    return r.r === "reset" ? { kind: "reset", previous: toSignal(key, r.s as WireSignal) } : { kind: "not_set" };
  }

  async get(key: string): Promise<SignalRecord | undefined> {
    const r = await this.run("get", key, []);
    return r.s === undefined ? undefined : toSignal(key, r.s as WireSignal);
  }

  async joinWait(input: JoinWaitInput): Promise<JoinWaitResult> {
    const origin = this.instances.presence.id;
    const r = await this.withKeyRegistered(input.key, () => this.run("join-wait", input.key, [input.waiterId, input.owner, this.options.waiterHeartbeatTtlMs, origin]));
    const result = this.joinResult(input.key, r);
    if (result.kind === "waiting") {
      this.presence.add({ kind: "W", key: input.key, id: input.waiterId, owner: input.owner, joinSeq: Number(r.n ?? 0), parties: 0, origin });
    }
    return result;
  }

  async leaveWait(key: string, waiterId: string, reason: LeaveWaitReason): Promise<LeaveWaitResult> {
    this.presence.drop(waiterId);
    if (this.presence.takeWoken(waiterId)) return { kind: "not_waiting" };
    const timedOut = reason.kind === "timed_out";
    const r = await this.run("leave-wait", key, [waiterId, reason.kind, timedOut ? reason.waitedMs : 0, RECENT_WINDOW_MS]);
    if (r.r !== "left") return { kind: "not_waiting" };
    const record = r.t as { a: number } | undefined;
    if (record !== undefined) await this.index("timeouts-note", undefined, [key, record.a, RECENT_WINDOW_MS, MAX_TIMED_OUT_KEYS]);
    return { kind: "left" };
  }

  async arrive(input: ArriveInput): Promise<ArriveResult> {
    const origin = this.instances.presence.id;
    const result = await this.arriveStep(input);
    if (result.kind === "waiting") {
      this.presence.add({ kind: "P", key: input.key, id: input.participantId, owner: input.owner, joinSeq: 0, parties: input.parties, origin });
    }
    return result;
  }

  async leaveBarrier(key: string, participantId: string): Promise<LeaveBarrierResult> {
    this.presence.drop(participantId);
    const r = await this.run("leave-barrier", key, [participantId]);
    return r.r === "left" ? { kind: "left", generation: Number(r.g), arrived: Number(r.a) } : { kind: "not_waiting" };
  }

  async touch(refs: PresenceRef[], leaseMs: number): Promise<void> {
    await this.presence.touch(refs, leaseMs);
  }

  list(input: RendezvousListInput): Promise<RendezvousListing> {
    return listRendezvous(input, {
      names: (cursor, max, count) => this.call(() => this.indexes.names(cursor, max, count)),
      describe: (key) => this.run("describe", key, [20]),
      forget: (key, hints) => {
        this.call(() => this.indexes.settle(key, hints, () => this.run("probe", key, []))).catch((e: unknown) => this.background(e));
      },
      recentTimeouts: async () => (await this.index("timeouts-recent", undefined, [RECENT_WINDOW_MS])) as string[],
      readTimeout: (key) => this.call(() => this.client.get(timeoutKey(key))),
    });
  }

  subscribe(listener: (event: RendezvousEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("the Redis rendezvous store is closed");
    if (this.sub.status !== "ready") {
      throw new StoreUnavailableError(
        `the Redis store at ${this.options.displayUrl} is unavailable (the event subscription is reconnecting); retry when it is back`,
      );
    }
    await this.call(() => this.client.ping());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.presence.stop();
    this.repairs.stop();
    await this.instances.close();
    await this.sweeper.stop();
    this.listeners.clear();
    await Promise.allSettled([this.client.quit(), this.sub.quit()]);
    this.client.disconnect();
    this.sub.disconnect();
  }

  /** Registrations this instance keeps alive (for tests and health). */
  get localRegistrations(): number {
    return this.presence.size;
  }

  private joinResult(key: string, r: WireReply): JoinWaitResult {
    return r.r === "set" ? { kind: "set", signal: toSignal(key, r.s as WireSignal) } : { kind: "waiting", waiters: Number(r.waiters) };
  }

  private async arriveStep(input: ArriveInput): Promise<ArriveResult> {
    const r = await this.withKeyRegistered(input.key, () =>
      this.run("arrive", input.key, [input.participantId, input.owner, input.parties, this.options.waiterHeartbeatTtlMs, this.instances.presence.id]),
    );
    switch (r.r) {
      case "waiting":
        return { kind: "waiting", generation: Number(r.g), arrived: Number(r.a), parties: Number(r.p) };
      case "tripped":
        return { kind: "tripped", generation: Number(r.g), parties: Number(r.p), participants: asList<string>(r.ps) };
      case "parties_mismatch":
        return { kind: "parties_mismatch", parties: Number(r.p), arrived: Number(r.a) };
      default:
        throw new Error(`arrive.lua answered an unknown result ${String(r.r)}`);
    }
  }

  /**
   * Runs a join or arrival with its key registered in this instance's set first (so that if this
   * instance dies its evictor finds the registration) and kept there while it runs.
   */
  private async withKeyRegistered<T>(key: string, step: () => Promise<T>): Promise<T> {
    this.joining.set(key, (this.joining.get(key) ?? 0) + 1);
    try {
      await this.call(() => this.instances.presence.register(key));
      return await step();
    } finally {
      const left = (this.joining.get(key) ?? 1) - 1;
      if (left > 0) this.joining.set(key, left);
      else {
        this.joining.delete(key);
        // Answered at once (the value was set, the barrier tripped) or failed: nothing to keep.
        if (!this.presence.has(key)) this.instances.presence.idle(key);
      }
    }
  }

  private async touchKey(key: string, refs: { kind: "W" | "P"; id: string }[], leaseMs: number, retag: string): Promise<TouchReport> {
    if (retag !== "") await this.call(() => this.instances.presence.register(key));
    const r = await this.run("touch", key, [leaseMs, retag, ...refs.flatMap((ref) => [ref.kind, ref.id])]);
    const statuses = new Map(Object.entries((r.st ?? {}) as Record<string, "here" | "gone">));
    return { statuses, last: r.last as WireSignal | undefined, trip: r.trip as WireTrip | undefined };
  }

  /** Runs a per-key script, feeds the global indexes, and maps failures to the store's errors. */
  private async run(script: RendezvousScript, key: string, args: (string | number)[]): Promise<WireReply> {
    const keys = rendezvousKeys(key);
    const mutates = !READ_ONLY.has(script);
    const raw = await this.call(() =>
      callRendezvousScript(this.client, script, keys, [key, RV_EVENTS_CHANNEL, RECENT_WINDOW_MS, ...args]).catch((error: unknown) => {
        if (mutates && mayHaveRun(error)) this.repairs.mark(key);
        throw error;
      }),
    );
    const reply = parseReply(raw);
    // Waited for, so a List right after the call sees the key; a failed write does not undo what
    // the script did, so it is repaired rather than reported to the caller.
    if (mutates) await this.call(() => this.indexes.note(key, reply)).catch(() => this.repairs.mark(key));
    return reply;
  }

  /**
   * Makes good a script whose answer (or index write) was lost: it ran, or runs once a stalled
   * Redis resumes, but the index writes it asked for were never made, and a later script only
   * asks for them when its deadline moves earlier, so a value's expiry could be missed for good.
   * The probe (on the same connection, so after that script) reads what the indexes need, and
   * this instance's registrations on the key are re-read, for the events that reached no one.
   */
  private async repair(key: string): Promise<void> {
    const found = await this.run("probe", key, []);
    await this.call(() => this.indexes.note(key, { ...found, lower: found.due !== false, created: found.exists }));
    this.presence.request(key);
  }

  /** Runs a script on a global index key (the timeouts index unless named). */
  private index(script: IndexScript, key: string | undefined, args: (string | number)[]): Promise<unknown> {
    return this.call(() => callRendezvousScript(this.client, script, [key ?? RV_TIMEOUTS_INDEX_KEY], args));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError("the Redis rendezvous store is closed");
    try {
      return await fn();
    } catch (error) {
      throw storeError(error, this.options.displayUrl);
    }
  }

  /** Subscribes before anything reads state, and re-reads local registrations after every reconnect. */
  private listen(): Promise<void> {
    return subscribeEvents(this.sub, this.client, RV_EVENTS_CHANNEL, {
      onMessage: (message) => {
        const parsed = parseEvent(message);
        if (parsed !== undefined) this.deliver(parsed.event, parsed.seq);
      },
      reread: () => this.presence.reconcileAll(),
      closed: () => this.closed,
      call: (fn) => this.call(fn),
      onError: (error) => this.background(error),
    });
  }

  /** Delivers an event once: a signal or trip replayed after a reconnect is not delivered twice. */
  private deliver(event: RendezvousEvent, seq: number): void {
    if (this.closed || !this.delivered.first(event, seq)) return;
    this.presence.onEvent(event, seq);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.background(error);
      }
    }
  }

  private lastLogMs = 0;

  /** Reports a failure of background work (sweeps, presence renewals, index updates), at most once a second. */
  private background(error: unknown): void {
    if (this.closed) return;
    const now = Date.now();
    if (now - this.lastLogMs < 1000) return;
    this.lastLogMs = now;
    this.log(`baton: redis rendezvous store background task failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
