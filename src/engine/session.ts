import type { LeaseRecord, Store } from "../store/types.js";
import { BatonError } from "./errors.js";
import type { KeptLease, LeaseKeeper } from "./lease-keeper.js";
import { resolveRequest, type AcquireParams, type EngineOptions, type ResolvedRequest } from "./policy.js";
import type { WaitCall, WaitListener, WaitOptions } from "./wait-call.js";

/** What a session needs from its engine. */
export interface SessionHost {
  readonly store: Store;
  readonly options: EngineOptions;
  readonly keeper: LeaseKeeper;
  /** Starts the one queued-acquire state machine (see WaitCall). */
  startCall(input: ResolvedRequest, options: WaitOptions, listener: WaitListener): WaitCall;
  release(name: string, token: string): Promise<LeaseRecord>;
  refresh(name: string, token: string, ttlMs: number | undefined): Promise<LeaseRecord>;
  /** Takes a permit now or fails at once: the engine's try-acquire of a validated request. */
  tryAcquire(input: ResolvedRequest): Promise<LeaseRecord>;
  log(message: string): void;
  /** Makes `session` the one that keeps the lease alive, taking it from another that had it. */
  claim(token: string, session: LockSession): void;
  /** Forgets that `session` keeps the lease (released or lost). */
  unclaim(token: string, session: LockSession): void;
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

/** A lease the session keeps, with the request id that gave it to the session. */
interface Held {
  id: bigint;
  kept: KeptLease;
}

/**
 * One client session (DESIGN: leases belong to the session, as in ZooKeeper and etcd): acquires,
 * releases and refreshes by request id. Its waiting acquires are WaitCalls, its leases are kept
 * alive by the engine's LeaseKeeper while it lives; when it ends, its queued acquires leave the
 * queue at once and its leases are released (after `graceMs` when the stream broke rather than
 * closed, so that a client that reconnects in time can take them over by refreshing them).
 */
export class LockSession {
  private readonly pending = new Map<bigint, WaitCall>();
  private readonly leases = new Map<string, Held>();
  private ended = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: SessionHost,
    readonly events: SessionEvents,
  ) {}

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
    // A try needs no waiter: one store call.
    if (input.waitUpToMs === 0) return this.adopt(id, await this.host.tryAcquire(input));
    return new Promise<LeaseRecord>((resolve, reject) => {
      let settled = false;
      const call: WaitCall = this.host.startCall(input, { hold: false, quiet }, {
        event: (event) => {
          if (event.type === "queued") {
            if (!settled) this.events.queued(id, event.position, event.queueLength, event.holders);
            return;
          }
          if (event.type !== "granted" || settled) return;
          settled = true;
          try {
            const lease = this.adopt(id, event.lease);
            call.delivered();
            resolve(lease);
          } catch (error) {
            // Not delivered: the call releases the grant when it closes.
            reject(error);
          }
        },
        end: (error) => {
          if (this.pending.get(id) === call) this.pending.delete(id);
          if (!settled && error !== undefined) {
            settled = true;
            reject(error);
          }
          void call.close();
        },
      });
      this.pending.set(id, call);
    });
  }

  /** Stops the pending acquire `requestId` (it fails with `canceled`); false if none is pending. */
  cancel(requestId: bigint): boolean {
    const call = this.pending.get(requestId);
    if (call === undefined) return false;
    call.fail(new BatonError("canceled", `acquire ${requestId} was cancelled`, { reason: "CANCELLED" }));
    return true;
  }

  /** Releases a lease (of this session or not) by its token. */
  async release(name: string, token: string): Promise<LeaseRecord> {
    this.forgetLease(token);
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
    const held = this.leases.get(token);
    if (held !== undefined) held.kept.update(lease);
    else this.adopt(id, lease);
    return lease;
  }

  /** Stops keeping a lease another session has taken over (nothing is released). */
  disown(token: string): void {
    this.leases.delete(token);
  }

  /**
   * Ends the session: pending acquires leave their queues now; leases are released after
   * `graceMs` (0: now), kept alive meanwhile. Resolves once everything is given back.
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
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.stop(sessionEnded());
    await Promise.all(calls.map((call) => call.close()));
    if (graceMs > 0 && this.leases.size > 0) {
      await new Promise<void>((resolve) => {
        this.graceTimer = setTimeout(resolve, graceMs);
      });
      this.graceTimer = undefined;
    }
    await this.releaseAll();
  }

  private adopt(id: bigint, lease: LeaseRecord): LeaseRecord {
    if (this.ended) {
      this.host.store.release(lease.name, lease.token).catch(() => undefined);
      throw sessionEnded();
    }
    this.host.claim(lease.token, this);
    this.leases.set(lease.token, { id, kept: this.host.keeper.keep(lease, (reason) => this.lose(id, lease.token, reason)) });
    return lease;
  }

  private lose(id: bigint, token: string, reason: string): void {
    if (!this.leases.delete(token)) return;
    this.host.unclaim(token, this);
    this.events.lost(id, reason);
  }

  private forgetLease(token: string): void {
    const held = this.leases.get(token);
    if (held === undefined) return;
    this.leases.delete(token);
    held.kept.stop();
    this.host.unclaim(token, this);
  }

  private async releaseAll(): Promise<void> {
    const held = [...this.leases.entries()];
    this.leases.clear();
    await Promise.all(
      held.map(async ([token, { kept }]) => {
        const { name } = kept.lease;
        kept.stop();
        this.host.unclaim(token, this);
        await this.host.store.release(name, token).catch((e: unknown) => this.host.log(`baton: release on session end failed: ${String(e)}`));
      }),
    );
    this.host.forget(this);
  }
}

function sessionEnded(): BatonError {
  return new BatonError("canceled", "the session has ended", { reason: "CANCELLED" });
}
