import type { Cluster, Redis } from "ioredis";
import type {
  AcquireInput,
  AcquireResult,
  CancelResult,
  ListInput,
  LockEvent,
  LockSnapshot,
  ProclaimResult,
  RefreshResult,
  ReleaseResult,
  ReserveResult,
  Store,
} from "../types.js";
import { DUE_INDEX_KEY, EVENTS_CHANNEL, PRESENCE_KEYS, instanceLocksKey, lockKeys } from "./keys.js";
import { callScript, defineScripts, type LockScript } from "./scripts.js";
import { connectStore, createClient, parseRedisUrl, storeError, type RedisStoreOptions } from "./connection.js";
import { answeredEvents, parseEvent, parseReply, toHolders, toLease, toSnapshot, type IndexHints, type StoreEvent, type WireLease, type WireReply } from "./codec.js";
import { GlobalIndexes } from "./indexes.js";
import { batchWrites } from "./write-batch.js";
import { Sweeper } from "./sweeper.js";
import { LocalWaiters, type LocalWaiter, type WaiterStatus } from "./local-waiters.js";
import { DirtyQueue } from "./dirty-queue.js";
import { mayHaveRun } from "./lost-answers.js";
import type { InstancePresence } from "./instance-presence.js";
import { wireInstances, type Instances } from "./instances.js";
import { subscribeEvents } from "./subscription.js";

/**
 * The Redis store (DESIGN §4): every transition is one Lua script on one lock's slot, events
 * travel by pub/sub to every Baton instance, a due index swept by every instance expires leases
 * on time, and this instance's presence keeps its waiters queued while it lives: once it lapses,
 * the other instances evict them (README "Instances that die").
 */
export class RedisStore implements Store {
  private readonly listeners = new Set<(event: LockEvent) => void>();
  private readonly indexes: GlobalIndexes;
  private readonly sweeper: Sweeper;
  private readonly local: LocalWaiters;
  /** Locks a mutating script ran on (or may have) without its answer reaching us: see repair(). */
  private readonly repairs: DirtyQueue;
  /** This instance's id: tags its waiters, and the events of its hand-offs, which it takes from their answers. */
  private readonly presence: InstancePresence;
  private readonly instances: Instances;
  private closed = false;

  private constructor(
    private readonly options: RedisStoreOptions,
    private readonly client: Redis | Cluster,
    private readonly sub: Redis | Cluster,
    private readonly log: (message: string) => void,
  ) {
    const onError = (error: unknown): void => this.background(error);
    this.indexes = new GlobalIndexes(client);
    this.sweeper = new Sweeper(
      {
        dueNames: async (limit, claimMs) => (await this.call(() => callScript(this.client, "due-now", [DUE_INDEX_KEY], [limit, claimMs]))) as string[],
        expire: (name) => this.run("expire", name, []),
        settle: (name, hints) =>
          this.call(() => this.indexes.settle(name, hints, () => this.run("probe", name, []))).catch((error: unknown) => {
            // A raise may have landed without the probe that follows it.
            this.repairs.mark(name);
            throw error;
          }),
      },
      options.sweepIntervalMs,
      onError,
    );
    this.local = new LocalWaiters(
      {
        heartbeat: (name, waiters, retag) => this.heartbeat(name, waiters, retag),
        rejoin: (w) =>
          this.enqueue({ name: w.name, owner: w.owner, ttlMs: w.ttlMs, token: w.token, waiterId: w.id, maxQueueLength: Number.MAX_SAFE_INTEGER, permits: w.permits, shared: w.shared, value: w.value }, true),
        cancel: (name, id) => this.run("cancel-waiter", name, [id, ""]),
        emitLocal: (event) => this.deliver({ event, unclaimed: false }),
        currentId: () => this.presence.id,
        idle: (name) => this.presence.idle(name),
      },
      onError,
    );
    this.instances = wireInstances({
      client,
      options,
      presenceKeys: PRESENCE_KEYS,
      setKey: instanceLocksKey,
      script: (script, keys, args) => callScript(client, script, keys, args),
      evict: async (name, id) => {
        const r = await this.run("evict", name, [id]);
        return { "queued waiters": Number(r.waiters ?? 0), "unclaimed grants": Number(r.leases ?? 0) };
      },
      hasWaiters: (name) => this.local.has(name),
      names: () => this.local.names(),
      changedId: () => this.local.reconcileAll(),
      call: (fn) => this.call(fn),
      onError,
      log,
    });
    this.presence = this.instances.presence;
    this.repairs = new DirtyQueue((name) => this.repair(name), onError, { concurrency: 32, retryBaseMs: 100, retryMaxMs: 2000 });
  }

  /**
   * Connects to the Redis (or cluster) a `redis://` URL names, subscribes to the events channel,
   * and starts sweeping and heartbeats. Rejects with a clear message when Redis cannot be reached.
   */
  static async open(url: string, log: (message: string) => void = (m) => console.error(m)): Promise<RedisStore> {
    const options = parseRedisUrl(url);
    const client = createClient(options, false);
    const sub = createClient(options, true);
    const store = new RedisStore(options, client, sub, log);
    batchWrites(client);
    await connectStore(options, client, sub, async () => {
      defineScripts(client);
      await store.listen();
      await store.instances.start();
    });
    store.sweeper.start();
    store.local.start(Math.max(10, Math.floor(options.waiterHeartbeatTtlMs / 3)));
    return store;
  }

  async acquire(input: AcquireInput): Promise<AcquireResult> {
    return this.enqueue(input, false);
  }

  async release(name: string, token: string): Promise<ReleaseResult> {
    const r = await this.run("release", name, [token]);
    return r.r === "released" ? { kind: "released", lease: toLease(name, r.lease as WireLease) } : { kind: "not_held" };
  }

  async releaseByOwner(name: string, owner: string): Promise<ReleaseResult> {
    const r = await this.run("release-by-owner", name, [owner]);
    return r.r === "released" ? { kind: "released", lease: toLease(name, r.lease as WireLease) } : { kind: "not_held" };
  }

  async refresh(name: string, token: string, ttlMs?: number): Promise<RefreshResult> {
    const r = await this.run("refresh", name, [token, ttlMs ?? ""]);
    return r.r === "refreshed" ? { kind: "refreshed", lease: toLease(name, r.lease as WireLease) } : { kind: "not_held" };
  }

  async proclaim(name: string, token: string, value: string): Promise<ProclaimResult> {
    const r = await this.run("proclaim", name, [token, value]);
    return r.r === "proclaimed" ? { kind: "proclaimed", lease: toLease(name, r.lease as WireLease) } : { kind: "not_held" };
  }

  async cancelWaiter(name: string, waiterId: string): Promise<CancelResult> {
    // Forget it first: a failed cancel leaves it to lapse by heartbeat, never to be re-queued.
    const token = this.local.drop(waiterId)?.token ?? "";
    const r = await this.run("cancel-waiter", name, [waiterId, token]);
    if (r.r === "cancelled") return { kind: "cancelled" };
    // Granted already: if that grant's event was lost on the way, deliver it now, so the engine,
    // which no longer wants it, releases it instead of leaving it to expire.
    if (r.lease !== undefined) this.deliver({ event: { name, kind: "granted", lease: toLease(name, r.lease as WireLease), waiterId }, unclaimed: false });
    return { kind: "not_waiting" };
  }

  async reserve(name: string, limit: number): Promise<ReserveResult> {
    const r = await this.run("reserve", name, [limit]);
    return r.r === "reserved" ? { kind: "reserved", limit } : { kind: "exists" };
  }

  async describe(name: string): Promise<LockSnapshot> {
    return toSnapshot(name, await this.run("describe", name, []));
  }

  async list(input: ListInput): Promise<LockSnapshot[]> {
    const out: LockSnapshot[] = [];
    // Names are printable ASCII, so prefix + DEL (0x7f) bounds every name with that prefix.
    const max = input.prefix === "" ? "+" : `(${input.prefix}\x7f`;
    let cursor = input.after > input.prefix ? `(${input.after}` : `[${input.prefix}`;
    while (out.length < input.limit) {
      const names = await this.call(() => this.indexes.names(cursor, max, input.limit - out.length + 8));
      if (names.length === 0) break;
      const replies = await Promise.all(names.map((name) => this.run("describe", name, [])));
      replies.forEach((reply, i) => {
        const name = names[i]!;
        if (reply.exists) out.push(toSnapshot(name, reply));
        else this.forget(name).catch((e: unknown) => this.background(e));
      });
      cursor = `(${names.at(-1)!}`;
    }
    return out.slice(0, input.limit);
  }

  subscribe(listener: (event: LockEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.stop();
    await this.instances.close();
    this.repairs.stop();
    await this.sweeper.stop();
    this.listeners.clear();
    await Promise.allSettled([this.client.quit(), this.sub.quit()]);
    this.client.disconnect();
    this.sub.disconnect();
  }

  /** This instance's current presence id (for tests and logs; it changes after a lapse). */
  get instanceId(): string {
    return this.presence.id;
  }

  /** The state of the command and the events connections, as ioredis names it ("ready" when usable), for metrics. */
  get connectionStatus(): { commands: string; events: string } {
    return { commands: this.client.status, events: this.sub.status };
  }

  /** Waiters this instance keeps queued (for tests and health). */
  get localWaiters(): number {
    return this.local.size;
  }

  private async enqueue(input: AcquireInput, rejoin: boolean): Promise<AcquireResult> {
    const { name, waiterId } = input;
    if (waiterId !== undefined && !rejoin) {
      this.local.begin({ id: waiterId, name, token: input.token, owner: input.owner, ttlMs: input.ttlMs, permits: input.permits, shared: input.shared, value: input.value });
    }
    let r: WireReply;
    try {
      // Registered first, so that if this instance dies its evictor finds the waiter.
      if (waiterId !== undefined) await this.call(() => this.presence.register(name));
      r = await this.run("acquire", name, [
        input.owner,
        input.ttlMs,
        input.token,
        input.limit ?? "",
        waiterId ?? "",
        input.maxQueueLength,
        rejoin ? "1" : "0",
        input.permits ?? 1,
        input.shared === true ? "1" : "0",
        input.value ?? "",
      ]);
    } catch (error) {
      if (waiterId !== undefined && !rejoin) this.local.settle(waiterId, false);
      throw error;
    }
    if (waiterId !== undefined && !rejoin) this.local.settle(waiterId, r.r === "queued");
    switch (r.r) {
      case "granted":
        return { kind: "granted", lease: toLease(name, r.lease as WireLease) };
      case "queued":
        return { kind: "queued", position: Number(r.position), queueLength: Number(r.queueLength), holders: toHolders(name, r.holders) };
      case "busy":
        return { kind: "busy", holders: toHolders(name, r.holders), queueLength: Number(r.queueLength) };
      case "limit_mismatch":
        return { kind: "limit_mismatch", limit: Number(r.limit) };
      case "queue_full":
        return { kind: "queue_full", queueLength: Number(r.queueLength) };
      case "too_many_permits":
        return { kind: "too_many_permits", limit: Number(r.limit), permits: Number(r.permits) };
      default:
        throw new Error(`acquire.lua answered an unknown result ${String(r.r)}`);
    }
  }

  /**
   * Takes a name List found without a lock out of the indexes: expire.lua first clears the
   * lock's "listed" mark in its slot (unless it exists again by then), then settle removes it.
   */
  private async forget(name: string): Promise<void> {
    const hints = await this.run("expire", name, []);
    await this.call(() => this.indexes.settle(name, hints, () => this.run("probe", name, [])));
  }

  private async heartbeat(name: string, waiters: LocalWaiter[], retag: boolean): Promise<Map<string, WaiterStatus>> {
    if (retag) await this.call(() => this.presence.register(name));
    const r = await this.run("heartbeat", name, [retag ? "1" : "0", ...waiters.flatMap((w) => [w.id, w.token])]);
    const statuses = new Map<string, WaiterStatus>();
    for (const [id, status] of Object.entries((r.statuses ?? {}) as Record<string, "queued" | "gone" | WireLease>)) {
      statuses.set(id, typeof status === "string" ? status : toLease(name, status));
    }
    return statuses;
  }

  /**
   * Runs a per-lock script, delivers the events it answered (a hand-off: see flush_events in
   * lua/includes/lock.lua), feeds the global indexes, and maps failures to the store's errors.
   */
  private async run(script: LockScript, name: string, args: (string | number)[]): Promise<WireReply> {
    const keys = lockKeys(name);
    const readOnly = script === "describe" || script === "probe";
    const reply = parseReply(
      await this.call(() =>
        callScript(this.client, script, keys, [name, EVENTS_CHANNEL, this.options.waiterHeartbeatTtlMs, this.presence.id, ...args]).catch((error: unknown) => {
          if (!readOnly && mayHaveRun(error)) this.repairs.mark(name);
          throw error;
        }),
      ),
    );
    // Before the caller hears the answer: a waiter here gets its grant before the releaser does.
    if (reply.ev !== undefined) for (const event of answeredEvents(reply)) this.deliver(event);
    if (!readOnly) {
      const noted = this.indexes.note(name, reply as IndexHints).catch((error: unknown) => {
        // The script set the lock's index marks, so no later script would write what failed.
        this.repairs.mark(name);
        this.background(error);
      });
      // One connection keeps the index write ahead of any later List; a cluster's connections
      // (and its redirects) do not, so there List could miss a lock that was just taken. A failed
      // index write must not turn a grant the script made into an error: it is repaired instead.
      if (this.options.cluster) await noted;
    }
    return reply;
  }

  /**
   * Makes good a script whose answer was lost (a command timeout: Redis ran it, or will, when it
   * resumes; or a connection lost after sending it). Its index writes were never made, yet it set
   * the lock's index marks, which would keep every later script from making them: without this a
   * lease it granted would be neither listed nor swept. probe.lua resets the marks to what it
   * finds and the writes follow. Its events came to no one here: our waiters on the lock are
   * re-read, so a grant it made to one of them is delivered. Sent on the same connection as the
   * lost script, the probe runs after it.
   */
  private async repair(name: string): Promise<void> {
    const found = await this.run("probe", name, []);
    await this.call(() => this.indexes.note(name, found));
    this.local.request(name);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw storeError(error, this.options.displayUrl);
    }
  }

  /** Subscribes before anything reads state, and re-reads local waiters after every reconnect. */
  private listen(): Promise<void> {
    return subscribeEvents(this.sub, this.client, EVENTS_CHANNEL, {
      onMessage: (message) => {
        const event = parseEvent(message, (origin) => this.presence.isOwn(origin));
        if (event !== undefined) this.deliver(event);
      },
      reread: () => this.local.reconcileAll(),
      closed: () => this.closed,
      call: (fn) => this.call(fn),
      onError: (error) => this.background(error),
    });
  }

  /** Hands an event to the engine, unless it is an unclaimed grant to one of ours (claimed first). */
  private deliver({ event, unclaimed }: StoreEvent): void {
    if (this.closed) return;
    if (!this.local.onEvent(event, unclaimed)) return;
    for (const listener of this.listeners) listener(event);
  }

  private lastLogMs = 0;

  /** Reports a failure of background work (sweeps, heartbeats, index updates), at most once a second. */
  private background(error: unknown): void {
    if (this.closed) return;
    const now = Date.now();
    if (now - this.lastLogMs < 1000) return;
    this.lastLogMs = now;
    this.log(`baton: redis store background task failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
