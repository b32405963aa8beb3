import { z } from "zod";
import { bool, count, duration, list, text } from "../config/kinds.js";
import { parseOrThrow } from "../config/issues.js";
import { describeSchema, optionalField } from "../config/meta.js";

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

/** A Distributex pool without `expire` expires after 30 minutes, as Distributex did. */
const DISTRIBUTEX_DEFAULT_TTL_MS = 30 * 60_000;
const PATTERN = /^[A-Za-z0-9._:\/@-]+\*?$/;

/**
 * The fields of one pool (the docs list them), in Baton's spelling (`pattern`, `limit`, `defaultTtl`, `maxTtl`,
 * `hosts`) or Distributex's (`name`, `maxlocks`, `expire` in seconds, `servers`).
 */
export const poolFields = {
  pattern: optionalField(text(), { doc: "the lock name it governs, or a prefix ending in * (an exact name wins, then the longest prefix)" }),
  name: optionalField(text(), { doc: "Distributex's spelling of pattern; such a pool expires leases after 30 minutes unless it says otherwise" }),
  limit: optionalField(count({ min: 1 }), { doc: "permits of every matching lock (1 = a mutex); a request asking for another limit is refused" }),
  maxlocks: optionalField(count({ min: 1 }), { doc: "Distributex's spelling of limit" }),
  defaultTtl: optionalField(duration(), { doc: "TTL when a request names none; 0 = leases never expire" }),
  maxTtl: optionalField(duration(), { doc: "longest TTL a request may ask for" }),
  expire: optionalField(count({ min: 0, accepts: "whole seconds (0 = never)" }), { doc: "Distributex's TTL in seconds, both default and longest (defaultTtl and maxTtl, if given, win); 0 = leases never expire" }),
  allowNoExpiry: optionalField(bool(), { doc: "whether a request may ask for a lease that never expires (ttl 0); default false" }),
  maxQueueLength: optionalField(count({ min: 1 }), { doc: "waiters a matching lock may queue (default: the server's maxQueueLength)" }),
  hosts: optionalField(list(), { doc: "hosts allowed to take these locks through the APIs that name one (Distributex); default any" }),
  servers: optionalField(list(), { doc: "Distributex's spelling of hosts (a list, or one comma-separated text)" }),
};

type PoolInput = z.output<z.ZodObject<typeof poolFields>>;

/** Two spellings of one field may not both be given. */
const SYNONYMS = [["pattern", "name"], ["limit", "maxlocks"], ["hosts", "servers"]] as const;

function checkPool(p: PoolInput, ctx: z.core.$RefinementCtx<PoolInput>): void {
  for (const [ours, theirs] of SYNONYMS) {
    if (p[ours] !== undefined && p[theirs] !== undefined) ctx.addIssue({ code: "custom", path: [theirs], message: `give ${ours} or ${theirs}, not both` });
  }
  const key = p.pattern !== undefined ? "pattern" : "name";
  const pattern = p.pattern ?? p.name;
  if (pattern === undefined) ctx.addIssue({ code: "custom", path: [], message: `a pool needs a name (or pattern): the lock name, or a prefix ending in *` });
  else if (!PATTERN.test(pattern)) ctx.addIssue({ code: "custom", path: [key], message: `"${pattern}" must be a lock name, or a prefix ending in *` });
}

function toPool(p: PoolInput): Pool {
  const pool: Pool = { pattern: (p.pattern ?? p.name)!, allowNoExpiry: p.allowNoExpiry === true, hosts: p.hosts ?? p.servers ?? [] };
  const limit = p.limit ?? p.maxlocks;
  if (limit !== undefined) pool.limit = limit;
  if (p.expire !== undefined) {
    pool.defaultTtlMs = p.expire * 1000;
    pool.maxTtlMs = p.expire * 1000;
  } else if (p.name !== undefined && p.defaultTtl === undefined) {
    pool.defaultTtlMs = DISTRIBUTEX_DEFAULT_TTL_MS;
  }
  if (p.defaultTtl !== undefined) pool.defaultTtlMs = p.defaultTtl;
  if (p.maxTtl !== undefined) pool.maxTtlMs = p.maxTtl;
  if (pool.defaultTtlMs === 0) pool.allowNoExpiry = true;
  if (p.maxQueueLength !== undefined) pool.maxQueueLength = p.maxQueueLength;
  return pool;
}

/** One pool of the config file, read into a Pool. */
export const poolSchema = z.strictObject(poolFields).superRefine(checkPool).transform(toPool);

/** The `pools:` list of the config file; absent or empty, no pools. */
export const poolsSchema = describeSchema(z.preprocess((value) => value ?? [], z.array(poolSchema)), {
  doc: "per-name policies (limit, TTLs, queue length, hosts) that apply to every API",
  fields: poolFields,
});

/** Reads the `pools:` list of the config file; throws an Error naming the pool and the field. */
export function parsePools(raw: unknown): Pool[] {
  return parseOrThrow(poolsSchema, raw, { root: "pools" });
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
