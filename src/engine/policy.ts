import { BatonError, invalid } from "./errors.js";
import { poolFor, type Pool } from "./pools.js";
import { checkLimit, checkName, checkOwner, checkWait, type Bounds } from "./validate.js";
import { checkClaim } from "./claim.js";

/** Limits the engine enforces; from the configuration. */
export interface EngineOptions extends Bounds {
  /** Waiters one lock may queue before new ones get `resource_exhausted`. */
  maxQueueLength: number;
  /** How often an idle Wait stream gets a heartbeat (default 15 s; 0 = never). */
  waitHeartbeatMs?: number;
  /** Per-name policies from the config; the first match by exact name, else longest prefix. */
  pools?: Pool[];
}

/** A request for a permit, as it arrives from any transport. */
export interface AcquireParams {
  name: string;
  owner: string;
  /** Unset: the pool's or server's default. 0: never expires, where a pool allows it. */
  ttlMs?: number;
  limit?: number;
  /** Exclusive permits to take at once (weighted semaphore); unset takes 1. Not with `shared`. */
  permits?: number;
  /** Shared (reader) mode. */
  shared?: boolean;
  /** The value the lease publishes (an election candidate's address). */
  value?: string;
  /** How long to wait for a permit: unset as long as the caller lives, 0 not at all, N up to N ms. */
  waitUpToMs?: number;
  /**
   * Lets `ttlMs: 0` (never expires) through outside a pool that allows it. Only for the
   * compatibility layers: their original systems never expired a lock, and a layer keeps that
   * unless a pool governing the name sets a TTL.
   */
  noExpiryAllowed?: boolean;
}

/** A request after validation and the pool's policy: what the store is asked for. */
export interface ResolvedRequest {
  name: string;
  owner: string;
  ttlMs: number;
  limit: number | undefined;
  waitUpToMs: number | undefined;
  maxQueueLength: number;
  permits: number | undefined;
  shared: boolean;
  value: string;
}

/** Validates a request and applies the pool of its lock; throws `invalid_argument` naming the field. */
export function resolveRequest(params: AcquireParams, options: EngineOptions): ResolvedRequest {
  const name = checkName(params.name);
  const pool = poolFor(options.pools ?? [], name);
  let limit = checkLimit(params.limit, options);
  if (pool?.limit !== undefined) {
    if (limit !== undefined && limit !== pool.limit) {
      throw invalid(`"${name}" belongs to pool "${pool.pattern}" whose limit is ${pool.limit}; ask with that limit or none`, "limit");
    }
    limit = pool.limit;
  }
  return {
    name,
    owner: checkOwner(params.owner),
    ttlMs: resolveTtl(name, params.ttlMs, options, params.noExpiryAllowed === true),
    limit,
    waitUpToMs: checkWait(params.waitUpToMs, "wait_ms", options),
    maxQueueLength: pool?.maxQueueLength ?? options.maxQueueLength,
    ...checkClaim(params, limit, options),
  };
}

/** The TTL for a lock: the request's within the pool's (or server's) range, else the default. */
export function resolveTtl(name: string, ttlMs: number | undefined, options: EngineOptions, noExpiryAllowed = false): number {
  const pool = poolFor(options.pools ?? [], name);
  const maxTtlMs = pool?.maxTtlMs !== undefined && pool.maxTtlMs > 0 ? pool.maxTtlMs : options.maxTtlMs;
  if (ttlMs === undefined) return pool?.defaultTtlMs ?? options.defaultTtlMs;
  if (ttlMs === 0) {
    if (pool?.allowNoExpiry === true || noExpiryAllowed) return 0;
    throw invalid(`ttl_ms 0 (never expire) is allowed only in pools configured for it; "${name}" is not in one`, "ttl_ms");
  }
  if (!Number.isSafeInteger(ttlMs) || ttlMs < options.minTtlMs || ttlMs > maxTtlMs) {
    throw new BatonError("invalid_argument", `ttl_ms must be between ${options.minTtlMs} and ${maxTtlMs} (got ${ttlMs})`, {
      metadata: { field: "ttl_ms", min: String(options.minTtlMs), max: String(maxTtlMs) },
    });
  }
  return ttlMs;
}
