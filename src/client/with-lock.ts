import { Code } from "@connectrpc/connect";
import { LeaseLostError, hasCode } from "./errors.js";
import type { KeepAliveOptions, LeaseKeeper } from "./keep-alive.js";
import type { AcquireOptions, Lease } from "./types.js";

/** Options of `withLock`: how to acquire, plus the keep-alive's tuning. */
export interface WithLockOptions extends AcquireOptions, Pick<KeepAliveOptions, "intervalMs" | "retryMs" | "onRetry"> {}

/** The calls `withLock` needs; a BatonClient provides them. */
export interface LockCalls {
  acquire(name: string, options: AcquireOptions): Promise<Lease>;
  /** Keeps (or, over a session, watches) the lease; its signal aborts when the lease is lost. */
  keepAlive(lease: Lease): LeaseKeeper;
  release(lease: Lease): Promise<unknown>;
}

/**
 * Runs `fn` while holding a lease on `name`: acquires (waiting as `options` say), keeps the lease
 * alive while `fn` runs, and releases it when `fn` settles.
 *
 * `fn` gets an AbortSignal that aborts (reason: LeaseLostError) if the lease is lost, or if
 * `options.signal` aborts; stop the work when it does. If the lease was lost while `fn` ran,
 * withLock rejects with the LeaseLostError even when `fn` resolved, because the work ran without
 * the exclusion it asked for. A release that fails for a network reason is not reported: the
 * lease then ends by its TTL.
 */
export async function withLock<T>(
  calls: LockCalls,
  name: string,
  fn: (signal: AbortSignal, lease: Lease) => Promise<T> | T,
  options: WithLockOptions = {},
): Promise<T> {
  const lease = await calls.acquire(name, options);
  const keeper = calls.keepAlive(lease);
  const signal = options.signal ? AbortSignal.any([keeper.signal, options.signal]) : keeper.signal;
  let result: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    result = { ok: true, value: await fn(signal, lease) };
  } catch (error) {
    result = { ok: false, error };
  }
  await keeper.stop();
  const lostReason = keeper.signal.aborted ? (keeper.signal.reason as LeaseLostError) : undefined;
  try {
    await calls.release(keeper.lease);
  } catch (error) {
    if (lostReason === undefined && hasCode(error, Code.FailedPrecondition) && result.ok) {
      // The lease ended between the last refresh and the release: fn may have run unprotected.
      throw new LeaseLostError(
        `lost the lease on "${lease.name}" (fencing ${lease.fencing}): it had ended before it was released`,
        lease.name,
        lease.fencing,
        { cause: error },
      );
    }
  }
  if (lostReason !== undefined) throw lostReason;
  if (!result.ok) throw result.error;
  return result.value;
}
