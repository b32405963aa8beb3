/**
 * One timer for every open Wait stream: each tick pushes a heartbeat into every stream, so that
 * proxies with an idle timeout keep long waits and held leases open. A single timer (not one per
 * stream) keeps an idle stream's cost flat; a stream's first heartbeat comes within one interval.
 */
export class Heartbeats<T> {
  private readonly streams = new Map<{ push(item: T): void }, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly make: (elapsedMs: number) => T,
  ) {}

  /** Starts beating into `stream` until `remove`. */
  add(stream: { push(item: T): void }): void {
    this.streams.set(stream, Date.now());
    if (this.timer !== undefined || this.intervalMs <= 0) return;
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops beating into `stream`; the timer stops with the last stream. */
  remove(stream: { push(item: T): void }): void {
    this.streams.delete(stream);
    if (this.streams.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    const now = Date.now();
    for (const [stream, openedAt] of this.streams) stream.push(this.make(now - openedAt));
  }
}
