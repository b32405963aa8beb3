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

/**
 * The TTL a compatibility layer asks for: none of the seed systems had one. A pool that allows
 * never-expiring leases gets one; a pool with its own default TTL keeps it (undefined lets the
 * engine apply it); elsewhere the layer's fallback applies.
 */
export function compatTtl(engine: LockEngine, name: string, fallbackMs: number): number | undefined {
  const pool = poolFor(engine.options.pools ?? [], name);
  if (pool?.allowNoExpiry === true) return 0;
  if (pool?.defaultTtlMs !== undefined) return undefined;
  return fallbackMs;
}

/** A layer's fallback TTL: the configured one (checked against the server's bounds) or the default capped at maxTtl. */
export function fallbackTtl(engine: LockEngine, configuredMs: number | undefined, defaultMs: number, setting: string): number {
  const { minTtlMs, maxTtlMs } = engine.options;
  if (configuredMs === undefined) return Math.max(minTtlMs, Math.min(defaultMs, maxTtlMs));
  if (configuredMs < minTtlMs || configuredMs > maxTtlMs) {
    throw new Error(`${setting}: ${configuredMs}ms lies outside the server's minTtl..maxTtl (${minTtlMs}..${maxTtlMs}ms)`);
  }
  return configuredMs;
}

/** A name's holders that belong to `owner`, for the layers whose APIs name holders instead of tokens. */
export function heldBy(holders: { owner: string }[], owner: string): boolean {
  return holders.some((h) => h.owner === owner);
}
