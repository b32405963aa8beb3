import { poolFor } from "../../engine/pools.js";
import type { LockEngine } from "../../engine/lock-engine.js";
import type { Call } from "./http.js";

/**
 * One compatibility layer. `route` looks at the path below the layer's mount and returns the
 * work that answers it, or undefined when the path is none of the layer's routes (so that a
 * layer mounted at `/` leaves Connect's paths alone).
 */
export interface Layer {
  route(call: Call): (() => Promise<void>) | undefined;
  /** Stops background work (webhook deliveries, open waits) and releases what it holds. */
  close?(): Promise<void>;
}

/** The lease part of an engine request: a TTL (undefined: the pool's default) and whether 0 may mean "never". */
export interface CompatLease {
  ttlMs: number | undefined;
  noExpiryAllowed: boolean;
}

/**
 * The lease a layer asks for. A pool that governs the name decides first: its default TTL (0 =
 * never), else never when it allows that, else its longest TTL. Without a pool, the layer's
 * setting applies, and without one the original's behaviour: WebMutex and Locker never expired a
 * lock (`fallbackMs` 0 = never), Distributex after 30 minutes.
 */
export function compatLease(engine: LockEngine, name: string, fallbackMs: number): CompatLease {
  const pool = poolFor(engine.options.pools ?? [], name);
  if (pool?.defaultTtlMs !== undefined) return { ttlMs: undefined, noExpiryAllowed: false };
  if (pool?.allowNoExpiry === true) return { ttlMs: 0, noExpiryAllowed: false };
  if (pool?.maxTtlMs !== undefined && pool.maxTtlMs > 0) return { ttlMs: pool.maxTtlMs, noExpiryAllowed: false };
  return { ttlMs: fallbackMs, noExpiryAllowed: fallbackMs === 0 };
}

/** A layer's configured TTL, checked against the server's bounds; undefined stays undefined (the original's default). */
export function configuredTtl(engine: LockEngine, configuredMs: number | undefined, setting: string): number | undefined {
  if (configuredMs === undefined) return undefined;
  const { minTtlMs, maxTtlMs } = engine.options;
  if (configuredMs < minTtlMs || configuredMs > maxTtlMs) {
    throw new Error(`${setting}: ${configuredMs}ms lies outside the server's minTtl..maxTtl (${minTtlMs}..${maxTtlMs}ms)`);
  }
  return configuredMs;
}

/** Whether one of a lock's holders is `owner`, for the layers whose APIs name holders instead of tokens. */
export function heldBy(holders: { owner: string }[], owner: string): boolean {
  return holders.some((h) => h.owner === owner);
}
