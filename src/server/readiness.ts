import type { Store } from "../store/types.js";
import type { RendezvousStore } from "../store/rendezvous.js";

/** How long the store may take to answer a readiness check before the instance counts as not ready. */
export const READY_TIMEOUT_MS = 2_000;

/** A name no client can use (names are `[A-Za-z0-9._:/@-]`), so the check reads nothing real. */
const PROBE_NAME = "\u0000baton-readyz";

/** The answer of a readiness check. */
export type Readiness = { ready: true } | { ready: false; reason: "shutting_down" | "store_unavailable" | "store_timeout" };

/**
 * Whether this instance should get traffic: not while shutting down, and only when both stores
 * answer a cheap request (a describe of an unused name; the rendezvous store's ping, which for
 * Redis also checks that its events subscription is live). Concurrent probes share one check,
 * so a load balancer probing often costs the store one read per check, not one per probe.
 */
export function readinessCheck(store: Store, rendezvousStore: RendezvousStore, closing: () => boolean, timeoutMs = READY_TIMEOUT_MS) {
  let inFlight: Promise<Readiness> | undefined;
  const check = async (): Promise<Readiness> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Readiness>((resolve) => {
      timer = setTimeout(() => resolve({ ready: false, reason: "store_timeout" }), timeoutMs);
    });
    const answer = Promise.all([store.describe(PROBE_NAME), rendezvousStore.ping()]).then(
      (): Readiness => ({ ready: true }),
      (): Readiness => ({ ready: false, reason: "store_unavailable" }),
    );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return (): Promise<Readiness> => {
    if (closing()) return Promise.resolve({ ready: false, reason: "shutting_down" });
    inFlight ??= check().finally(() => (inFlight = undefined));
    return inFlight;
  };
}
