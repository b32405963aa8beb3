import { BatonError } from "./errors.js";
import type { WaitCall, WaitEvent, WaitListener } from "./wait-call.js";

type Waiter<T> = { resolve(result: IteratorResult<T>): void; reject(error: unknown): void };

/**
 * A wait's events as an async iterator, in one small object: it is the WaitCall's listener and
 * the consumer's iterator at once (no generator, channel or closures per waiting stream, which
 * keeps 100,000 idle Wait streams within a few KiB each). A grant counts as delivered once the
 * consumer comes back for more after taking it (it has written it on), so a consumer that stops
 * right after taking it (its client went away) gives the lease back. `return()` ends the wait at
 * once, even while a `next()` is pending; so does `signal`, if given.
 */
export class WaitEvents<T = WaitEvent> implements AsyncIterableIterator<T>, WaitListener {
  private call: WaitCall | undefined;
  /** Events not yet taken; made on the first one that waits (a waiter usually has none). */
  private queue: WaitEvent[] | undefined;
  private pending: Waiter<T> | undefined;
  private finished = false;
  private failure: unknown;
  private grantTaken = false;

  /** Only when a signal is given: most waits are stopped through `return()` instead. */
  private onAbort: (() => void) | undefined;

  /**
   * `map` turns each event into what the consumer reads (the server's wire message), so a stream
   * needs no second iterator to convert them.
   */
  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly map: (event: WaitEvent) => T,
  ) {
    if (signal === undefined) return;
    if (signal.aborted) this.failure = signal.reason;
    else {
      this.onAbort = () => this.stop(signal.reason);
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  /** Binds the call this iterator listens to (right after the engine created it). */
  attach(call: WaitCall): void {
    this.call = call;
    if (this.failure !== undefined && !this.finished) call.fail(this.failure);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  event(event: WaitEvent): void {
    if (this.finished) return;
    const pending = this.pending;
    if (pending === undefined) return void (this.queue ??= []).push(event);
    this.pending = undefined;
    this.take(event, pending);
  }

  end(error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = error;
    if (this.onAbort !== undefined) this.signal?.removeEventListener("abort", this.onAbort);
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) this.answer(pending);
    // A failed wait cleans up now; a finished one once its consumer has taken the last event (a
    // grant not yet taken is not delivered). Not synchronously: a shutdown stops every wait
    // before any cleans up, or one's release would hand a grant to another about to stop.
    if (pending !== undefined || error !== undefined) queueMicrotask(() => void this.call?.close());
  }

  next(): Promise<IteratorResult<T>> {
    if (this.grantTaken) {
      this.grantTaken = false;
      this.call?.delivered();
    }
    return new Promise((resolve, reject) => {
      const event = this.queue?.shift();
      if (event !== undefined) this.take(event, { resolve, reject });
      else if (this.finished) {
        // The iteration is over: the call cleans up (a grant not yet delivered goes back).
        void this.call?.close();
        this.answer({ resolve, reject });
      } else this.pending = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.stop(new BatonError("canceled", "the consumer stopped reading", { reason: "CANCELLED" }));
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.stop(error);
    return Promise.reject(error);
  }

  private stop(error: unknown): void {
    this.queue = undefined;
    if (this.call === undefined) this.failure ??= error;
    else this.call.fail(error);
    this.end(error);
    void this.call?.close();
  }

  private take(event: WaitEvent, waiter: Waiter<T>): void {
    if (event.type === "granted") this.grantTaken = true;
    waiter.resolve({ done: false, value: this.map(event) });
  }

  private answer(waiter: Waiter<T>): void {
    if (this.failure === undefined) waiter.resolve({ done: true, value: undefined });
    else waiter.reject(this.failure);
  }
}
