import type { IndexHints } from "./codec.js";
import { Backoff } from "./backoff.js";

/** What the sweeper needs from the store. */
export interface SweepTarget {
  /** Names whose due-index entry has come, claimed for `claimMs` (due-now.lua). */
  dueNames(limit: number, claimMs: number): Promise<string[]>;
  /** Runs expire.lua on one lock. */
  expire(name: string): Promise<IndexHints>;
  /** Re-indexes a lock after its expiry (GlobalIndexes.settle). */
  settle(name: string, hints: IndexHints): Promise<void>;
}

const BATCH = 100;
/** Long enough for one expire + settle round; if this instance dies, others retry after it. */
const CLAIM_MS = 1_000;

/**
 * Expires leases and lapsed waiters on time without scanning keys: every `intervalMs` each
 * instance asks the due index for the locks whose earliest deadline has come (Redis time) and
 * runs the expire step on each. Errors (Redis away) are reported and the loop keeps going, after
 * a pause that grows while Redis keeps failing (up to a second).
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly backoff: Backoff;

  constructor(
    private readonly target: SweepTarget,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.backoff = new Backoff(intervalMs, Math.max(intervalMs, 1000));
  }

  /** Starts the loop. */
  start(): void {
    this.schedule(this.intervalMs);
  }

  /** Stops the loop and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().then(
        (more) => {
          this.backoff.succeed();
          this.schedule(more ? 0 : this.intervalMs);
        },
        (error: unknown) => {
          this.onError(error);
          this.schedule(this.backoff.fail());
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  /** One sweep; resolves true when a full batch came back (more may be due). */
  private async round(): Promise<boolean> {
    const names = await this.target.dueNames(BATCH, CLAIM_MS);
    await Promise.all(
      names.map(async (name) => {
        try {
          await this.target.settle(name, await this.target.expire(name));
        } catch (error) {
          this.onError(error);
        }
      }),
    );
    return names.length === BATCH;
  }
}
