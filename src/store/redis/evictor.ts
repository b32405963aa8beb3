/** What the Evictor needs from the store. */
export interface EvictTarget {
  /** Ids whose presence lapsed, claimed for this evictor (presence-due.lua). */
  due(limit: number): Promise<string[]>;
  /** Up to `count` names (locks, or rendezvous keys) of an instance's set. */
  lockNames(id: string, count: number): Promise<string[]>;
  /** evict.lua on one name: how many of each kind of thing of `id` it removed ("waiters": 2, ...). */
  evict(name: string, id: string): Promise<Record<string, number>>;
  /** Takes names out of an instance's set once they were evicted. */
  forgetLocks(id: string, names: string[]): Promise<void>;
  /** Drops an instance whose every lock was evicted. */
  forgetInstance(id: string): Promise<void>;
  /** Reports a failure (rate-limited by the store). */
  onError(error: unknown): void;
  /** Logs an operator-worthy line. */
  log(message: string): void;
}

/** Instances evicted per round, locks read per batch, locks evicted at once. */
const IDS = 10;
const BATCH = 200;
const CONCURRENCY = 32;

/**
 * Every `periodMs` each instance asks Redis for instances whose presence lapsed (presence-due.lua
 * claims them, so two evictors rarely work on one) and takes everything of theirs out of every
 * lock (or rendezvous key) their set names (evict.lua). A failed eviction is left as it is: its
 * claim runs out and an evictor (this one or another) starts it again; evict.lua is idempotent.
 */
export class Evictor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly target: EvictTarget) {}

  /** Starts looking every `periodMs`. */
  start(periodMs: number): void {
    this.timer = setInterval(() => void this.tick(), periodMs);
    this.timer.unref();
  }

  /** Stops looking (an eviction in progress finishes its batch). */
  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const id of await this.target.due(IDS)) await this.evictInstance(id);
    } catch (error) {
      this.target.onError(error);
    } finally {
      this.running = false;
    }
  }

  private async evictInstance(id: string): Promise<void> {
    let names = 0;
    const removed = new Map<string, number>();
    for (;;) {
      const batch = await this.target.lockNames(id, BATCH);
      if (batch.length === 0) break;
      for (let i = 0; i < batch.length; i += CONCURRENCY) {
        const results = await Promise.all(batch.slice(i, i + CONCURRENCY).map((name) => this.target.evict(name, id)));
        for (const r of results) for (const [what, n] of Object.entries(r)) removed.set(what, (removed.get(what) ?? 0) + n);
      }
      names += batch.length;
      await this.target.forgetLocks(id, batch);
    }
    await this.target.forgetInstance(id);
    const counts = [...removed].filter(([, n]) => n > 0);
    if (counts.length > 0) {
      this.target.log(`baton: evicted instance ${id}, whose presence lapsed: ${counts.map(([what, n]) => `${n} ${what}`).join(", ")} from ${names} names`);
    }
  }
}
