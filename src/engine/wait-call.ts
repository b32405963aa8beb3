import type { AcquireResult, LeaseRecord, Store } from "../store/types.js";
import { newToken, newWaiterId } from "../store/token.js";
import type { BatonError } from "./errors.js";
import type { Heartbeats } from "./heartbeats.js";
import type { KeptLease, LeaseKeeper } from "./lease-keeper.js";
import { waitTimeout } from "./messages.js";
import type { ResolvedRequest } from "./policy.js";
import type { WaiterRegistry, WaiterSink } from "./waiters.js";

/** One event of a wait: queue position, grant, a held lease lost, or a keep-alive heartbeat. */
export type WaitEvent =
  | { type: "queued"; position: number; queueLength: number; holders: LeaseRecord[] }
  | { type: "granted"; lease: LeaseRecord }
  | { type: "lost"; reason: string }
  | { type: "heartbeat"; elapsedMs: number };

/** Where a wait's events go: a stream, a session, a unary call. */
export interface WaitListener {
  /** An event for the client. After `granted`, call `delivered()` once the client has it. */
  event(event: WaitEvent): void;
  /** The wait is over: granted (without hold), its held lease lost, or failed. Call `close()`. */
  end(error?: unknown): void;
}

/** How a wait behaves, by who waits. */
export interface WaitOptions {
  /** Keep the lease alive after the grant until `close()` (hold on stream). */
  hold: boolean;
  /** Report the position on joining only, not each change (saves a message per waiter per change). */
  quiet?: boolean;
  /** Send heartbeats while idle (streams behind proxies); default false. */
  heartbeats?: boolean;
}

/** What a wait needs from the engine. */
export interface WaitHost {
  readonly store: Store;
  readonly waiters: WaiterRegistry;
  readonly heartbeats: Heartbeats<WaitEvent>;
  readonly keeper: LeaseKeeper;
  refusal(name: string, limit: number | undefined, result: Exclude<AcquireResult, { kind: "granted" | "queued" }>): BatonError;
  log(message: string): void;
  /** Called once when the wait's clean-up has finished. */
  closed(call: WaitCall): void;
}

/**
 * The one state machine of a queued acquire, for every way in (unary Acquire, Wait streams, the
 * Session, the compatibility layers): a plain object with callbacks rather than a suspended
 * generator, so an idle waiter costs its few fields (100,000 fit in one instance). It joins the
 * queue (or only tries, for a wait of 0), reports positions and the grant, and with `hold` keeps
 * the lease alive (through the engine's one LeaseKeeper) until `close()`. `close()` (idempotent)
 * leaves the queue, and releases the lease when it was held or never delivered; `fail()` ends and
 * closes at once, so a client that vanished mid-write leaks nothing.
 */
export class WaitCall implements WaiterSink {
  position = 0;
  readonly quiet: boolean;
  private lease: LeaseRecord | undefined;
  private readonly waiterId = newWaiterId();
  private joined = false;
  private ended = false;
  private isDelivered = false;
  /** The held lease was lost: there is nothing left to release. */
  private leaseGone = false;
  /** A position re-read that arrived before the join's own answer. */
  private early: Extract<WaitEvent, { type: "queued" }> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private kept: KeptLease | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly host: WaitHost,
    private readonly input: ResolvedRequest,
    private readonly options: WaitOptions,
    private readonly listener: WaitListener,
  ) {
    this.quiet = options.quiet === true;
  }

  get name(): string {
    return this.input.name;
  }

  /** Registers the waiter (before joining, so no grant is missed) and joins the queue. */
  start(): void {
    const { host, input } = this;
    host.waiters.add(this.waiterId, this);
    if (this.options.heartbeats === true) host.heartbeats.add(this);
    const waitMs = input.waitUpToMs;
    if (waitMs !== undefined && waitMs > 0) {
      this.timer = setTimeout(() => this.fail(waitTimeout(input.name, waitMs)), waitMs);
    }
    // A wait of 0 only tries: no waiter id, so a busy lock answers `busy` instead of queueing it.
    host.store
      .acquire({ ...input, token: newToken(), waiterId: waitMs === 0 ? undefined : this.waiterId })
      .then((result) => this.joinedWith(result))
      .catch((error: unknown) => this.fail(error));
  }

  /** The client has the grant: it is the client's to release from now on (unless held). */
  delivered(): void {
    this.isDelivered = true;
  }

  /** Ends the wait with `error` and cleans up without waiting for the consumer. */
  fail(error: unknown): void {
    this.stop(error);
    void this.close();
  }

  /**
   * Ends the wait with `error` but leaves the clean-up to `close()`: a shutdown stops every wait
   * first, so that one's release cannot hand a grant to another that is about to stop.
   */
  stop(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.listener.end(error);
  }

  /** Leaves the queue and gives back a lease that was held or never delivered; idempotent. */
  close(): Promise<void> {
    return (this.closing ??= this.cleanUp());
  }

  onQueued(position: number, queueLength: number, holders: LeaseRecord[]): void {
    const event = { type: "queued" as const, position, queueLength, holders };
    if (!this.joined) {
      if (this.early === undefined || position < this.early.position) this.early = event;
      return;
    }
    if (!this.ended && this.lease === undefined) this.listener.event(event);
  }

  onGranted(lease: LeaseRecord): void {
    if (this.lease !== undefined) return;
    this.lease = lease;
    if (this.joined) this.grant();
  }

  /** A heartbeat from the engine's one timer: only while waiting, or holding. */
  push(event: WaitEvent): void {
    if (this.joined && !this.ended && (this.lease === undefined || this.options.hold)) this.listener.event(event);
  }

  private joinedWith(result: AcquireResult): void {
    const { host, input } = this;
    if (this.closing !== undefined) {
      // The wait ended while the join was on its way; clean-up ran before its answer.
      if (result.kind === "granted") host.store.release(input.name, result.lease.token).catch(() => undefined);
      if (result.kind === "queued") host.store.cancelWaiter(input.name, this.waiterId).catch(() => undefined);
      return;
    }
    if (result.kind !== "granted" && result.kind !== "queued") return this.fail(host.refusal(input.name, input.limit, result));
    this.joined = true;
    if (result.kind === "granted") {
      this.lease ??= result.lease;
      return this.grant();
    }
    this.position = Math.min(this.position || result.position, result.position);
    this.listener.event({ type: "queued", position: result.position, queueLength: result.queueLength, holders: result.holders });
    if (this.lease !== undefined) return this.grant();
    // In a FIFO queue a newer position is a smaller one; an older re-read is dropped.
    const early = this.early;
    this.early = undefined;
    if (early !== undefined && early.position < result.position && !this.quiet) this.listener.event(early);
  }

  private grant(): void {
    const lease = this.lease!;
    // The timeout bounds the wait for the grant, not the hold that follows it.
    clearTimeout(this.timer);
    if (this.ended) return;
    if (this.options.hold) this.kept = this.host.keeper.keep(lease, (reason) => this.lost(reason));
    this.listener.event({ type: "granted", lease });
    if (!this.options.hold && !this.ended) {
      this.ended = true;
      this.listener.end();
    }
  }

  private lost(reason: string): void {
    if (this.ended || this.lease === undefined) return;
    this.kept = undefined;
    this.leaseGone = true;
    this.ended = true;
    this.listener.event({ type: "lost", reason });
    this.listener.end();
  }

  private async cleanUp(): Promise<void> {
    const { host, input } = this;
    this.ended = true;
    clearTimeout(this.timer);
    if (this.options.heartbeats === true) host.heartbeats.remove(this);
    this.kept?.stop();
    if (this.lease === undefined) {
      const result = await host.store.cancelWaiter(input.name, this.waiterId).catch(() => ({ kind: "not_waiting" as const }));
      // Granted meanwhile, or before the join answered: a grant still on its way is released on arrival.
      if (this.lease === undefined && result.kind === "not_waiting") host.waiters.abandon(this.waiterId);
    }
    host.waiters.remove(this.waiterId);
    const held = this.lease;
    if (held !== undefined && !this.leaseGone && (this.options.hold || !this.isDelivered)) {
      await host.store.release(held.name, held.token).catch((e: unknown) => host.log(`baton: release on stream end failed: ${String(e)}`));
    }
    host.closed(this);
  }
}
