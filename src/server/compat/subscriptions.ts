import type { LockEngine, WaitEvent } from "../../engine/lock-engine.js";
import type { AcquireParams } from "../../engine/policy.js";
import type { LeaseRecord } from "../../store/types.js";
import type { WebhookOptions } from "./options.js";
import { deliver } from "./webhook.js";
import { tokenOf } from "./webmutex-token.js";

/** What subscribe_and_grab answers at once: the queue position, or 0 when granted on the spot. */
export interface Subscribed {
  position: number;
}

/**
 * WebMutex's subscribe_and_grab: an engine Wait with no client stream, kept in this process.
 * When granted, the grant goes to the endpoint as `{id, token, status}`; if the endpoint never
 * accepts it (or Baton shuts down first) the grant is released, never leaked.
 */
export class Subscriptions {
  private readonly running = new Set<Promise<void>>();
  private readonly stop = new AbortController();

  constructor(
    private readonly engine: LockEngine,
    private readonly webhook: WebhookOptions,
    private readonly log: (message: string) => void,
  ) {}

  /** Joins the queue; resolves once queued or granted, rejects with the engine's refusal. */
  async start(params: AcquireParams, endpoint: string): Promise<Subscribed> {
    this.stop.signal.throwIfAborted();
    const events = this.engine.wait(params, false, this.stop.signal);
    const first = await events.next();
    if (first.done === true) throw new Error("the wait ended before it began");
    const task = this.follow(events, first.value, endpoint).catch((error: unknown) => {
      if (!this.stop.signal.aborted) this.log(`baton: webmutex: subscription to "${params.name}" ended: ${String(error)}`);
    });
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
    return { position: first.value.type === "queued" ? first.value.position : 0 };
  }

  /** Leaves every queue and abandons every delivery, releasing grants not yet accepted. */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.running);
  }

  private async follow(events: AsyncIterableIterator<WaitEvent>, first: WaitEvent, endpoint: string): Promise<void> {
    let event = first;
    while (event.type !== "granted") {
      const step = await events.next();
      if (step.done === true) return;
      event = step.value;
    }
    // Resume the stream once more so it counts the grant as delivered and keeps the lease.
    await events.next();
    await this.hand(event.lease, endpoint);
  }

  private async hand(lease: LeaseRecord, endpoint: string): Promise<void> {
    const payload = { id: lease.name, token: tokenOf(lease), status: "ok", fencing: lease.fencing.toString() };
    let accepted = false;
    try {
      accepted = await deliver(endpoint, payload, this.webhook, this.stop.signal, this.log);
    } finally {
      if (!accepted) {
        if (!this.stop.signal.aborted) this.log(`baton: webmutex: ${endpoint} never accepted the grant of "${lease.name}"; releasing it`);
        await this.engine.release(lease.name, lease.token).catch(() => undefined);
      }
    }
  }
}
