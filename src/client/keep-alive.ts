import { Code, ConnectError } from "@connectrpc/connect";
import { LeaseLostError, hasCode } from "./errors.js";
import type { Lease } from "./types.js";
import { margin } from "./session-stream.js";

/** Refreshes a lease by its own TTL; the keeper passes a signal and a timeout for each call. */
export type RefreshFn = (lease: Lease, options: { signal: AbortSignal; timeoutMs: number }) => Promise<Lease>;

/** Tuning of `keepLeaseAlive`; the defaults suit almost everyone. */
export interface KeepAliveOptions {
  /** Time between refreshes; a third of the lease's TTL by default. */
  intervalMs?: number;
  /** Time between retries after a failed refresh; a quarter of the interval, at most 1 s, by default. */
  retryMs?: number;
  /** Called after every successful refresh. */
  onRefreshed?: (lease: Lease) => void;
  /** Called when a refresh failed but the lease may still be alive, before retrying. */
  onRetry?: (error: unknown) => void;
  /**
   * When the request that got the lease was sent (performance.now()): the lease is surely valid
   * until then + TTL. Unknown (a grant from a Wait stream, which may have waited in a paused
   * process): the first refresh happens at once, to know.
   */
  sentAtMs?: number | undefined;
}

/** A lease being kept alive in the background. */
export interface LeaseKeeper {
  /** Aborted, with a LeaseLostError as its reason, when the lease is lost. Never aborted by stop(). */
  readonly signal: AbortSignal;
  /** The lease as of its latest refresh. */
  readonly lease: Lease;
  /** Stops refreshing (cancelling a refresh in flight); does not release the lease. */
  stop(): Promise<void>;
}

/**
 * Keeps a lease alive by refreshing it every ~TTL/3 until `stop()`.
 *
 * The lease is lost when a refresh answers `failed_precondition` (the server no longer holds it)
 * or when no refresh succeeds before the lease's deadline. Any other failure (network, server
 * restarting, `unavailable`) is retried until that deadline, because the lease may well still be
 * alive. The deadline is measured on this process's monotonic clock, from the moment the last
 * successful refresh was sent (or, for a fresh lease, from this call), so clock differences
 * between client and server do not matter. Fencing tokens remain the real protection.
 */
export function keepLeaseAlive(initial: Lease, refresh: RefreshFn, options: KeepAliveOptions = {}): LeaseKeeper {
  const lost = new AbortController();
  const stopped = new AbortController();
  const intervalMs = options.intervalMs ?? Math.max(1, Math.floor(initial.ttlMs / 3));
  const retryMs = options.retryMs ?? Math.max(1, Math.min(1000, Math.floor(intervalMs / 4)));
  let lease = initial;
  const known = options.sentAtMs !== undefined;
  // Conservative: from when the grant's request was sent, never from when this call runs.
  // Lost a little before the deadline, not at it: both clocks' timers run late sometimes.
  let deadline = (known ? options.sentAtMs! : performance.now()) + initial.ttlMs - margin(initial.ttlMs);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastError: unknown;

  const lose = (why: string, cause?: unknown): void => {
    if (stopped.signal.aborted || lost.signal.aborted) return;
    const message = `lost the lease on "${lease.name}" (fencing ${lease.fencing}): ${why}`;
    lost.abort(new LeaseLostError(message, lease.name, lease.fencing, { cause }));
  };

  const schedule = (delayMs: number): void => {
    timer = setTimeout(() => {
      running = tick();
    }, delayMs);
    // A forgotten keeper must not keep the process alive on its own.
    timer.unref();
  };

  const tick = async (): Promise<void> => {
    const sentAt = performance.now();
    const remaining = deadline - sentAt;
    if (remaining <= 0) return lose(expiredWhy(lastError), lastError);
    try {
      const next = await refresh(lease, { signal: stopped.signal, timeoutMs: Math.ceil(remaining) });
      if (stopped.signal.aborted) return;
      lease = next;
      deadline = sentAt + next.ttlMs - margin(next.ttlMs);
      options.onRefreshed?.(next);
      schedule(intervalMs);
    } catch (error) {
      if (stopped.signal.aborted) return;
      if (hasCode(error, Code.FailedPrecondition)) {
        return lose(`the server no longer holds it (${message(error)})`, error);
      }
      lastError = error;
      const left = deadline - performance.now();
      if (left <= 0) return lose(expiredWhy(error), error);
      options.onRetry?.(error);
      schedule(Math.min(retryMs, left));
    }
  };

  schedule(known ? Math.max(0, Math.min(intervalMs, deadline - performance.now() - retryMs)) : 0);
  return {
    signal: lost.signal,
    get lease() {
      return lease;
    },
    async stop() {
      stopped.abort();
      clearTimeout(timer);
      await running;
    },
  };
}

function expiredWhy(lastError: unknown): string {
  const why = "no refresh reached the server before the lease expired";
  return lastError === undefined ? why : `${why} (last error: ${message(lastError)})`;
}

function message(error: unknown): string {
  if (error instanceof ConnectError) return error.rawMessage;
  return error instanceof Error ? error.message : String(error);
}
