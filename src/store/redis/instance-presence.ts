import { randomBytes } from "node:crypto";
import type { Cluster, Redis } from "ioredis";

/** What InstancePresence needs from the store. */
export interface PresenceHost {
  /** presence-renew.lua on the store's presence keys: "ok" or "lapsed". */
  renew(id: string, ttlMs: number, stallMs: number, mode: "join" | "renew" | "leave"): Promise<unknown>;
  /** The key of an instance's set of locks (or rendezvous keys). */
  setKey(id: string): string;
  /** Whether this instance still has waiters (or unclaimed grants) on a lock. */
  hasWaiters(name: string): boolean;
  /** Every lock this instance has waiters on. */
  lockNames(): Iterable<string>;
  /** The id changed after a lapse: re-read every lock with waiters, re-tagging them. */
  changedId(): void;
  /** Maps a failed Redis call to the store's error and reports it. */
  onError(error: unknown): void;
  /** Logs an operator-worthy line. */
  log(message: string): void;
}

/** Names per SADD / SREM command. */
const CHUNK = 500;

/**
 * This instance's presence in Redis (see README "Instances that die"), for the lock store and,
 * with its own keys, the rendezvous store: an id kept in the live
 * set with a deadline renewed every sixth of the presence TTL, and the set of locks it has
 * waiters on, registered before a waiter is queued there, so that once its presence lapses an
 * evictor on another instance finds every queue to take its waiters out of.
 *
 * The id is also the origin the scripts tag this instance's waiters and hand-off events with.
 * When a renewal finds the id gone (evicted, or Redis lost it), the instance goes on under a new
 * one: what was queued under the old id is being evicted, so every lock with local waiters is
 * registered again and re-read, which re-tags the waiters still queued and re-queues the rest.
 */
export class InstancePresence {
  private current = newId();
  /** Every id this instance had: its scripts' events come back tagged with any of them. */
  private readonly past = new Set<string>([this.current]);
  private registered = new Set<string>();
  /** Registered names whose last waiter left (see idle()); checked again before they are dropped. */
  private idleNames = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly host: PresenceHost,
    private readonly ttlMs: number,
    private readonly cluster: boolean,
  ) {}

  /** The id scripts are called with. */
  get id(): string {
    return this.current;
  }

  /** Whether an id is (or was) this instance's. */
  isOwn(id: string): boolean {
    return this.past.has(id);
  }

  /** Joins the live set (at open, before any waiter is queued), then renews. */
  async start(): Promise<void> {
    await this.renew("join");
    this.timer = setInterval(() => void this.tick(), Math.max(10, Math.floor(this.ttlMs / 6)));
    this.timer.unref();
  }

  /** Stops renewing: the presence lapses and other instances evict what is left. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Stops renewing and leaves at once: other instances evict whatever is left without waiting for a lapse. */
  async leave(): Promise<void> {
    this.stop();
    await this.host.renew(this.current, this.ttlMs, this.stallMs, "leave");
  }

  /**
   * Registers a lock before a waiter is queued on it. On a single Redis the SADD goes out ahead
   * of the script on the same connection, so it need not be waited for; on a cluster the two go
   * to different nodes, and the caller waits for this promise first.
   */
  register(name: string): Promise<void> {
    if (this.registered.has(name)) return Promise.resolve();
    this.registered.add(name);
    const id = this.current;
    const sent = this.client.sadd(this.host.setKey(id), name).then(
      () => undefined,
      (error: unknown) => {
        // Try again with the next waiter; the waiter queued meanwhile lapses by heartbeat if we die.
        if (id === this.current) this.registered.delete(name);
        throw error;
      },
    );
    if (this.cluster) return sent;
    sent.catch((error: unknown) => this.host.onError(error));
    return Promise.resolve();
  }

  /** The store's last waiter on a name left: the name may leave the set at the next renewal. */
  idle(name: string): void {
    if (this.registered.has(name)) this.idleNames.add(name);
  }

  /** Milliseconds between stall-free presence scripts beyond which Redis counts as having stalled. */
  get stallMs(): number {
    return Math.max(1, Math.floor(this.ttlMs / 2));
  }

  private async tick(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.renew("renew");
      await this.unregisterIdle();
    } catch (error) {
      this.host.onError(error);
    } finally {
      this.renewing = false;
    }
  }

  private async renew(mode: "join" | "renew"): Promise<void> {
    const answer = await this.host.renew(this.current, this.ttlMs, this.stallMs, mode);
    if (answer === "ok") return;
    const old = this.current;
    this.current = newId();
    this.past.add(this.current);
    this.registered = new Set();
    this.idleNames = new Set();
    this.host.log(`baton: this instance's presence in Redis lapsed (it was unreachable or too busy for ${this.ttlMs} ms); its waiters queue again under a new id (${old} -> ${this.current})`);
    await this.renew("join");
    const names = [...this.host.lockNames()];
    for (let i = 0; i < names.length; i += CHUNK) {
      const chunk = names.slice(i, i + CHUNK);
      await this.client.sadd(this.host.setKey(this.current), ...chunk);
      for (const name of chunk) this.registered.add(name);
    }
    this.host.changedId();
    // Whatever the old set still names is ours and alive: re-read under the new id, it needs no
    // eviction (an evictor still walking it just stops early).
    await this.client.del(this.host.setKey(old));
  }

  /** Takes locks this instance no longer waits on out of its set, so an eviction stays small. */
  private async unregisterIdle(): Promise<void> {
    const idle: string[] = [];
    for (const name of this.idleNames) {
      if (idle.length === CHUNK) break;
      this.idleNames.delete(name);
      if (this.registered.has(name) && !this.host.hasWaiters(name)) idle.push(name);
    }
    if (idle.length === 0) return;
    for (const name of idle) this.registered.delete(name);
    await this.client.srem(this.host.setKey(this.current), ...idle);
  }
}

function newId(): string {
  return randomBytes(8).toString("hex");
}
