/**
 * A one-consumer queue of events that a stream handler awaits: producers push from store event
 * listeners, the handler pulls with `next()`. It ends with an error when its signal aborts, so a
 * handler blocked on it runs its cleanup the moment the client goes away.
 */
export class Channel<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private failure: unknown;
  private ended = false;

  constructor(signal?: AbortSignal) {
    if (signal === undefined) return;
    if (signal.aborted) this.fail(signal.reason);
    else signal.addEventListener("abort", () => this.fail(signal.reason), { once: true });
  }

  /**
   * Ends the channel with the signal's reason when it aborts; returns the function that stops
   * listening. Cheaper than AbortSignal.any for a stream that obeys several signals.
   */
  follow(signal: AbortSignal): () => void {
    if (signal.aborted) {
      this.fail(signal.reason);
      return () => {};
    }
    const onAbort = (): void => this.fail(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    return () => signal.removeEventListener("abort", onAbort);
  }

  /** Whether the channel has ended. */
  get done(): boolean {
    return this.ended;
  }

  /** Queues an event; ignored once the channel has ended. */
  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wakeUp();
  }

  /** Ends the channel: the next `next()` throws `error`; events still queued stay for `drain()`. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.wakeUp();
    this.onEnd?.();
  }

  /**
   * Called once when the channel ends, even if its consumer is suspended elsewhere (e.g. at a
   * `yield` whose write to a reset HTTP/2 stream never completes, so it is never resumed).
   */
  onEnd: (() => void) | undefined;

  /** The next event; throws the failure once the channel has ended. */
  async next(): Promise<T> {
    for (;;) {
      if (this.ended) throw this.failure;
      const item = this.items.shift();
      if (item !== undefined) return item;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Events pushed but not yet taken, for cleanup after an end. */
  drain(): T[] {
    return this.items.splice(0);
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
