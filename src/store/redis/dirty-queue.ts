import { StoreUnavailableError } from "../errors.js";
import { Backoff } from "./backoff.js";

/** How a DirtyQueue paces its work. */
export interface DirtyQueueOptions {
  /** Most keys worked on at once. */
  concurrency: number;
  /** First pause after Redis failed a key, doubling while it keeps failing. */
  retryBaseMs: number;
  /** Longest pause. */
  retryMaxMs: number;
}

/**
 * Keys that need one run of `work` each (a lock to re-read, an index entry to repair), worked
 * off at most `concurrency` at a time and never twice at once for one key; a key marked again
 * while it runs runs once more afterwards. Marking a key that is already waiting costs nothing,
 * so a burst of triggers (a thousand timed-out commands, a reconnect, an eviction) turns into
 * one run per key.
 *
 * When Redis fails a run (StoreUnavailableError), the key goes back in the queue and the whole
 * queue pauses (Backoff): a stalled or absent Redis gets one try per pause, not one per key.
 * Any other error is a bug in a script or its caller: it is reported and the key dropped.
 */
export class DirtyQueue {
  private readonly dirty = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly backoff: Backoff;
  private workers = 0;
  private paused: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly work: (key: string) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly options: DirtyQueueOptions,
  ) {
    this.backoff = new Backoff(options.retryBaseMs, options.retryMaxMs);
  }

  /** Queues a run of `work` for `key`. */
  mark(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) this.again.add(key);
    else this.dirty.add(key);
    this.pump();
  }

  /** Queues a run for each key. */
  markAll(keys: Iterable<string>): void {
    for (const key of keys) this.mark(key);
  }

  /** Keys waiting or running. */
  get size(): number {
    return this.dirty.size + this.running.size;
  }

  /** Stops taking keys; runs in progress finish on their own. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.paused);
    this.dirty.clear();
    this.again.clear();
  }

  private pump(): void {
    while (!this.stopped && this.paused === undefined && this.workers < this.options.concurrency && this.dirty.size > 0) {
      this.workers++;
      void this.drain();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && this.paused === undefined) {
        const key = this.take();
        if (key === undefined) return;
        this.running.add(key);
        try {
          await this.work(key);
          this.backoff.succeed();
        } catch (error) {
          this.onError(error);
          if (error instanceof StoreUnavailableError) {
            this.dirty.add(key);
            this.pause();
          }
        } finally {
          this.running.delete(key);
          if (this.again.delete(key)) this.dirty.add(key);
        }
      }
    } finally {
      this.workers--;
    }
  }

  private take(): string | undefined {
    for (const key of this.dirty) {
      this.dirty.delete(key);
      return key;
    }
    return undefined;
  }

  private pause(): void {
    if (this.paused !== undefined || this.stopped) return;
    this.paused = setTimeout(() => {
      this.paused = undefined;
      this.pump();
    }, this.backoff.fail());
    this.paused.unref();
  }
}
