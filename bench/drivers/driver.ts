/** How the benchmark talks to a lock service: one lease-taking client with its own connection. */
export interface Driver {
  /** Takes a permit, waiting up to `waitMs` (0: try once); resolves with the lease's token. */
  acquire(name: string, waitMs: number, onQueued?: (position: number) => void, signal?: AbortSignal, ttlMs?: number): Promise<string>;
  release(name: string, token: string): Promise<void>;
  close(): void;
}

/** Makes the i-th client of a scenario (clients alternate between servers when there are several). */
export type DriverFactory = (i: number) => Driver;
