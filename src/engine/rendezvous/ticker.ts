/**
 * One interval timer shared by every open stream: heartbeats for idle streams, and the presence
 * touch that keeps this instance's registrations alive in a shared store. One timer instead of one
 * per stream keeps thousands of idle waiters cheap. It runs only while someone listens.
 */
export class Ticker {
  private readonly callbacks = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly intervalMs: number) {}

  /** Calls `fn` on every tick until the returned function is called. */
  add(fn: () => void): () => void {
    this.callbacks.add(fn);
    if (this.timer === undefined) {
      this.timer = setInterval(() => {
        for (const callback of [...this.callbacks]) callback();
      }, this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.callbacks.delete(fn);
      if (this.callbacks.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }
}
