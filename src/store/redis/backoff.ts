/**
 * The delay before a background task tries again after Redis failed it: `baseMs`, doubling with
 * every failure in a row up to `maxMs`, with up to a quarter of jitter so the instances of a
 * cluster do not retry in step. A success resets it.
 *
 * Every background loop of the Redis store (sweep, heartbeats, presence, repairs) uses one, so
 * a Redis that stalls or goes away sees a few commands a second from each instance instead of a
 * retry for every failed command, and an instance spends its CPU on its clients.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** Records a failure; returns how long to wait before the next try. */
  fail(): number {
    const exponent = Math.min(this.failures, 30);
    this.failures++;
    const delayMs = Math.min(this.maxMs, this.baseMs * 2 ** exponent);
    return Math.round(delayMs * (1 - Math.random() / 4));
  }

  /** Records a success. */
  succeed(): void {
    this.failures = 0;
  }

  /** Whether the last try failed. */
  get failing(): boolean {
    return this.failures > 0;
  }
}
