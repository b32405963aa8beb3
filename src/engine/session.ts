import type { AcquireResult, LeaseRecord, Store } from "../store/types.js";
import { newToken, newWaiterId } from "../store/token.js";
import { BatonError } from "./errors.js";
import { waitTimeout } from "./messages.js";
import { resolveRequest, type AcquireParams, type EngineOptions } from "./policy.js";
import { SessionLeases } from "./session-leases.js";
import type { WaiterRegistry, WaiterSink } from "./waiters.js";

/** What a session needs from its engine. */
export interface SessionHost {
  readonly store: Store;
  readonly options: EngineOptions;
  readonly waiters: WaiterRegistry;
  /** Calls `onLost` when the store reports the lease released or expired by anyone but us. */
  watchLease(token: string, onLost: (reason: string) => void): void;
  unwatchLease(token: string): void;
  release(name: string, token: string): Promise<LeaseRecord>;
  refresh(name: string, token: string, ttlMs: number | undefined): Promise<LeaseRecord>;
  refusal(name: string, limit: number | undefined, result: Exclude<AcquireResult, { kind: "granted" | "queued" }>): BatonError;
  /** Makes `session` the one that keeps the lease alive, taking it from another that had it. */
  claim(token: string, session: LockSession): void;
  /** Forgets that `session` keeps the lease (released or lost). */
  unclaim(token: string, session: LockSession): void;
  log(message: string): void;
  /** Called once the session has ended and given back everything it held. */
  forget(session: LockSession): void;
}

/** Where a session's unsolicited news goes: queue positions of its waits, leases it lost. */
export interface SessionEvents {
  queued(id: bigint, position: number, queueLength: number, holders: LeaseRecord[]): void;
  lost(id: bigint, reason: string): void;
  /** The engine ended the session (shutdown); the stream should end with this error. */
  ended(error: BatonError): void;
}

/**
 * A waiting acquire. It is its own WaiterSink (no closures per waiter), settled once: by the
 * grant, a timeout, a cancel, or the end of the session.
 */
class PendingAcquire implements WaiterSink {
  position = 0;
  settled = false;
  timer: NodeJS.Timeout | undefined;
  resolve!: (lease: LeaseRecord) => void;
  reject!: (error: unknown) => void;
  readonly done: Promise<LeaseRecord>;

  constructor(
    readonly session: LockSession,
    readonly id: bigint,
    readonly name: string,
    readonly waiterId: string,
    readonly quiet: boolean,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A cancel or the session's end may settle this while the acquire still awaits the store's
    // answer, before `acquire` hands `done` to its caller: marked as heard here, so Node does not
    // take it for an unhandled rejection (which ends the process); the caller still sees it.
    this.done.catch(() => undefined);
  }

  onQueued(position: number, queueLength: number, holders: LeaseRecord[]): void {
    if (!this.settled) this.session.events.queued(this.id, position, queueLength, holders);
  }

  onGranted(lease: LeaseRecord): void {
    this.session.granted(this, lease);
  }
}

/**
 * One client session (DESIGN: leases belong to the session, as in ZooKeeper and etcd): acquires,
 * releases and refreshes by request id; keeps its leases alive while it lives; when it ends, its
 * queued acquires leave the queue at once and its leases are released (after `graceMs` when the
 * stream broke rather than closed).
 */
export class LockSession {
  private readonly pending = new Map<bigint, PendingAcquire>();
  private readonly leases: SessionLeases;
  private ended = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: SessionHost,
    readonly events: SessionEvents,
  ) {
    this.leases = new SessionLeases(host.store, (id, token, reason) => this.lose(id, token, reason));
  }

  /** How many acquires are waiting and how many leases are held. */
  get counts(): { waiting: number; held: number } {
    return { waiting: this.pending.size, held: this.leases.size };
  }

  /**
   * Takes a permit for request `id`: `waitUpToMs` 0 tries once, N queues up to that long, unset
   * queues until granted, cancelled or the session ends. `quiet` sends the position on joining
   * only, not its changes.
   */
  async acquire(id: bigint, params: AcquireParams, quiet = false): Promise<LeaseRecord> {
    const input = resolveRequest(params, this.host.options);
    if (this.ended) throw sessionEnded();
    if (this.pending.has(id)) throw new BatonError("invalid_argument", `request id ${id} is still pending; use a new id`, { metadata: { field: "id" } });
    const waits = input.waitUpToMs !== 0;
    if (!waits) {
      const result = await this.host.store.acquire({ ...input, token: newToken() });
      if (result.kind !== "granted") {
        if (result.kind === "queued") throw new BatonError("unavailable", "the store queued a try-acquire");
        throw this.host.refusal(input.name, input.limit, result);
      }
      return this.adopt(id, result.lease);
    }
    const waiter = new PendingAcquire(this, id, input.name, newWaiterId(), quiet);
    this.pending.set(id, waiter);
    this.host.waiters.add(waiter.waiterId, waiter);
    let result: AcquireResult;
    try {
      result = await this.host.store.acquire({ ...input, token: newToken(), waiterId: waiter.waiterId });
    } catch (error) {
      this.settle(waiter);
      this.host.waiters.remove(waiter.waiterId);
      throw error;
    }
    if (result.kind === "granted") {
      this.host.waiters.remove(waiter.waiterId);
      this.granted(waiter, result.lease);
    } else if (result.kind === "queued") {
      if (!waiter.settled) {
        if (waiter.position === 0) {
          waiter.position = result.position;
          this.events.queued(id, result.position, result.queueLength, result.holders);
        }
        const waitMs = input.waitUpToMs;
        if (waitMs !== undefined && waitMs > 0) {
          waiter.timer = setTimeout(() => this.stopWaiting(waiter, waitTimeout(input.name, waitMs)), waitMs);
        }
      }
      // Settled already: granted by an event that overtook this answer, or cancelled (and
      // taken out of the queue by the cancel).
    } else {
      this.settle(waiter);
      this.host.waiters.remove(waiter.waiterId);
      waiter.reject(this.host.refusal(input.name, input.limit, result));
    }
    return waiter.done;
  }

  /** Stops the pending acquire `requestId` (it fails with `canceled`); false if none is pending. */
  cancel(requestId: bigint): boolean {
    const waiter = this.pending.get(requestId);
    if (waiter === undefined) return false;
    this.stopWaiting(waiter, new BatonError("canceled", `acquire ${requestId} was cancelled`));
    return true;
  }

  /** Releases a lease (of this session or not) by its token. */
  async release(name: string, token: string): Promise<LeaseRecord> {
    if (this.leases.forget(token)) {
      this.host.unwatchLease(token);
      this.host.unclaim(token, this);
    }
    return this.host.release(name, token);
  }

  /**
   * Extends a lease, which from then on belongs to this session (request `id` names it in a
   * `lost` event): a client that reconnects keeps the leases of its broken session by refreshing
   * them on the new one.
   */
  async refresh(id: bigint, name: string, token: string, ttlMs: number | undefined): Promise<LeaseRecord> {
    const lease = await this.host.refresh(name, token, ttlMs);
    if (this.ended) return lease;
    if (this.leases.has(token)) this.leases.update(lease);
    else this.adopt(id, lease);
    return lease;
  }

  /** Stops keeping a lease another session has taken over (nothing is released). */
  disown(token: string): void {
    this.leases.forget(token);
  }

  /**
   * Ends the session: pending acquires leave their queues now; leases are released after
   * `graceMs` (0: now). Resolves once everything is given back.
   */
  async end(graceMs: number, reason?: BatonError): Promise<void> {
    if (reason !== undefined) this.events.ended(reason);
    if (this.ended) {
      if (graceMs === 0 && this.graceTimer !== undefined) {
        clearTimeout(this.graceTimer);
        this.graceTimer = undefined;
        await this.releaseAll();
      }
      return;
    }
    this.ended = true;
    const gone = sessionEnded();
    await Promise.all([...this.pending.values()].map((w) => this.stopWaiting(w, gone)));
    if (graceMs > 0 && this.leases.size > 0) {
      // The leases stay alive through the grace, so that a client that reconnects in time can
      // take them over (see refresh).
      await new Promise<void>((resolve) => {
        this.graceTimer = setTimeout(resolve, graceMs);
      });
      this.graceTimer = undefined;
    }
    await this.releaseAll();
  }

  /** A grant for `waiter`, from the store's answer or its event. */
  granted(waiter: PendingAcquire, lease: LeaseRecord): void {
    if (waiter.settled) {
      // The acquire was cancelled while its grant was on the way: give the permit back.
      this.host.store.release(lease.name, lease.token).catch((e: unknown) => this.host.log(`baton: release of a cancelled grant failed: ${String(e)}`));
      return;
    }
    this.settle(waiter);
    if (this.ended) {
      this.host.store.release(lease.name, lease.token).catch((e: unknown) => this.host.log(`baton: release after session end failed: ${String(e)}`));
      waiter.reject(sessionEnded());
      return;
    }
    waiter.resolve(this.adopt(waiter.id, lease));
  }

  private adopt(id: bigint, lease: LeaseRecord): LeaseRecord {
    if (this.ended) {
      this.host.store.release(lease.name, lease.token).catch(() => undefined);
      throw sessionEnded();
    }
    this.host.claim(lease.token, this);
    this.leases.add(id, lease);
    this.host.watchLease(lease.token, (reason) => this.lose(id, lease.token, reason));
    return lease;
  }

  private lose(id: bigint, token: string, reason: string): void {
    this.leases.forget(token);
    this.host.unwatchLease(token);
    this.host.unclaim(token, this);
    this.events.lost(id, reason);
  }

  private settle(waiter: PendingAcquire): void {
    waiter.settled = true;
    clearTimeout(waiter.timer);
    this.pending.delete(waiter.id);
  }

  private async stopWaiting(waiter: PendingAcquire, why: BatonError): Promise<void> {
    if (waiter.settled) return;
    this.settle(waiter);
    waiter.reject(why);
    await this.leaveQueue(waiter);
  }

  /** Takes a settled waiter out of its queue; a grant that raced the cancel is released. */
  private async leaveQueue(waiter: PendingAcquire): Promise<void> {
    const result = await this.host.store.cancelWaiter(waiter.name, waiter.waiterId).catch(() => ({ kind: "not_waiting" as const }));
    // not_waiting: granted (the event may still be on its way) or never queued. Once removed
    // from the registry, a late grant for it is released by the registry.
    if (result.kind === "not_waiting") this.host.waiters.abandon(waiter.waiterId);
    this.host.waiters.remove(waiter.waiterId);
  }

  private async releaseAll(): Promise<void> {
    const held = this.leases.drain();
    await Promise.all(
      held.map(async (lease) => {
        this.host.unwatchLease(lease.token);
        this.host.unclaim(lease.token, this);
        await this.host.store.release(lease.name, lease.token).catch((e: unknown) => this.host.log(`baton: release on session end failed: ${String(e)}`));
      }),
    );
    this.host.forget(this);
  }
}

function sessionEnded(): BatonError {
  return new BatonError("canceled", "the session has ended", { reason: "CANCELLED" });
}
