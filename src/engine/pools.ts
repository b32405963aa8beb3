import { parseDuration } from "../duration.js";

/**
 * A pool: the policy for every lock whose name matches `pattern` (an exact name, or a prefix
 * ending in `*`). Pools come from the config file and apply to every API, not only to the
 * compatibility layer that introduced them (Distributex).
 */
export interface Pool {
  pattern: string;
  /** Permits of every matching lock; a request asking for another limit is refused. */
  limit?: number;
  /** TTL when a request names none; 0 = the lease never expires. */
  defaultTtlMs?: number;
  /** Longest TTL a request may ask for. */
  maxTtlMs?: number;
  /** Whether a request may ask for a lease that never expires (ttl 0). */
  allowNoExpiry: boolean;
  /** Waiters a matching lock may queue. */
  maxQueueLength?: number;
  /** Hosts allowed to take these locks through the APIs that name a host (Distributex); empty = any. */
  hosts: string[];
}

const KEYS = new Set(["name", "pattern", "limit", "maxlocks", "expire", "defaultTtl", "maxTtl", "allowNoExpiry", "maxQueueLength", "servers", "hosts"]);

/**
 * Reads the `pools:` list of the config file. Accepts Distributex's spelling (`name`, `expire`
 * in seconds with 0 = never and 30 minutes by default, `maxlocks`, `servers`) and Baton's
 * (`pattern`, `defaultTtl`, `maxTtl`, `limit`, `hosts`). Throws naming the pool and the field.
 */
export function parsePools(raw: unknown): Pool[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error("pools: expected a list of pools");
  return raw.map((entry: unknown, i) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new Error(`pools[${i}]: expected a mapping`);
    const e = entry as Record<string, unknown>;
    const where = `pools[${i}]${typeof e.name === "string" ? ` (${e.name})` : ""}`;
    for (const key of Object.keys(e)) if (!KEYS.has(key)) throw new Error(`${where}: unknown field "${key}"`);
    const pattern = e.pattern ?? e.name;
    if (typeof pattern !== "string" || !/^[A-Za-z0-9._:\/@-]+\*?$/.test(pattern)) {
      throw new Error(`${where}: "name" (or "pattern") must be a lock name, or a prefix ending in *`);
    }
    const pool: Pool = { pattern, allowNoExpiry: false, hosts: [] };
    const limit = e.limit ?? e.maxlocks;
    if (limit !== undefined) pool.limit = positive(limit, `${where}: maxlocks/limit`);
    if (e.expire !== undefined) {
      const seconds = Number(e.expire);
      if (!Number.isSafeInteger(seconds) || seconds < 0) throw new Error(`${where}: expire must be whole seconds (0 = never)`);
      pool.defaultTtlMs = seconds * 1000;
      pool.maxTtlMs = seconds * 1000;
      pool.allowNoExpiry = seconds === 0;
    } else if (typeof e.name === "string" && e.pattern === undefined && e.defaultTtl === undefined) {
      // A Distributex pool without `expire` expires after 30 minutes, as Distributex did.
      pool.defaultTtlMs = 30 * 60_000;
    }
    if (e.defaultTtl !== undefined) pool.defaultTtlMs = parseDuration(e.defaultTtl as string, `${where}: defaultTtl`);
    if (e.maxTtl !== undefined) pool.maxTtlMs = parseDuration(e.maxTtl as string, `${where}: maxTtl`);
    if (e.allowNoExpiry !== undefined) pool.allowNoExpiry = e.allowNoExpiry === true;
    if (pool.defaultTtlMs === 0) pool.allowNoExpiry = true;
    if (e.maxQueueLength !== undefined) pool.maxQueueLength = positive(e.maxQueueLength, `${where}: maxQueueLength`);
    const hosts = e.hosts ?? e.servers;
    // Distributex's own config writes servers as one comma-separated string.
    if (typeof hosts === "string") pool.hosts = hosts.split(",").map((h) => h.trim()).filter((h) => h !== "");
    else if (hosts !== undefined) {
      if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === "string")) throw new Error(`${where}: servers/hosts must be a list of host names`);
      pool.hosts = hosts as string[];
    }
    return pool;
  });
}

/** The pool that governs a lock name: an exact name wins, then the longest matching prefix. */
export function poolFor(pools: Pool[], name: string): Pool | undefined {
  let best: Pool | undefined;
  for (const pool of pools) {
    if (pool.pattern === name) return pool;
    if (pool.pattern.endsWith("*") && name.startsWith(pool.pattern.slice(0, -1))) {
      if (best === undefined || pool.pattern.length > best.pattern.length) best = pool;
    }
  }
  return best;
}

function positive(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what} must be a whole number ≥ 1`);
  return n;
}
