import type { LeaseRecord, Store } from "../store/types.js";

/**
 * Keeps a hold-on-stream lease alive: refreshes it every third of its TTL until the returned
 * function is called. Calls `onLost` once if the store says the lease is gone, or if the store
 * stays unreachable until the lease's deadline has passed (it can then no longer be trusted to
 * be ours).
 */
export function keepAlive(store: Store, lease: LeaseRecord, onLost: (reason: string) => void): () => void {
  // A lease that never expires needs no refresh; releases still reach the stream as events.
  if (lease.ttlMs === 0) return () => {};
  let expiresAtMs = lease.expiresAtMs;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const intervalMs = Math.max(10, Math.floor(lease.ttlMs / 3));

  const tick = async (): Promise<void> => {
    if (stopped) return;
    try {
      const result = await store.refresh(lease.name, lease.token);
      if (stopped) return;
      if (result.kind === "not_held") return onLost("the lease expired or was released by someone else");
      expiresAtMs = result.lease.expiresAtMs;
    } catch (error) {
      if (stopped) return;
      if (Date.now() >= expiresAtMs) {
        return onLost(`the store was unreachable until the lease expired (${errorText(error)})`);
      }
    }
    timer = setTimeout(() => void tick(), intervalMs);
  };
  timer = setTimeout(() => void tick(), intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
