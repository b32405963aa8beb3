/**
 * One timer per lease, so a lease expires on time even when no request arrives. Timers are
 * unref'd: they never keep a process alive on their own.
 */
export class ExpiryTimers {
  private readonly byToken = new Map<string, NodeJS.Timeout>();
  private readonly misc = new Set<NodeJS.Timeout>();

  constructor(
    private readonly nowMs: () => number,
    private readonly onDue: (name: string, token: string) => void,
  ) {}

  /** (Re)arms the timer of a lease for its new deadline. */
  schedule(name: string, token: string, dueAtMs: number): void {
    this.cancel(token);
    const delay = Math.max(0, dueAtMs - this.nowMs());
    // setTimeout caps at 2^31-1 ms; a longer lease re-arms when the capped timer fires.
    const timer = setTimeout(() => {
      this.byToken.delete(token);
      this.onDue(name, token);
    }, Math.min(delay, 2 ** 31 - 1));
    timer.unref();
    this.byToken.set(token, timer);
  }

  /** Disarms the timer of a lease that was released. */
  cancel(token: string): void {
    const timer = this.byToken.get(token);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.byToken.delete(token);
  }

  /** Runs housekeeping a second from now. */
  later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.misc.delete(timer);
      fn();
    }, 1000);
    timer.unref();
    this.misc.add(timer);
  }

  /** Disarms everything. */
  clear(): void {
    for (const timer of this.byToken.values()) clearTimeout(timer);
    for (const timer of this.misc) clearTimeout(timer);
    this.byToken.clear();
    this.misc.clear();
  }
}
