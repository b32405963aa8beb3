/**
 * Every Redis key and channel name Baton uses, built here and nowhere else.
 *
 * A lock's keys share the hash tag `{name}` so that all of them live in one cluster slot and
 * each Lua script touches exactly one slot. Names are validated upstream to
 * `[A-Za-z0-9._:/@-]`, so they never contain the braces that would break the tag; this module
 * refuses any that do rather than silently scattering a lock over several slots.
 */

/** The prefix of every key. */
export const KEY_PREFIX = "baton";

/** The pub/sub channel every change of every lock is published on (classic, cluster-wide). */
export const EVENTS_CHANNEL = `${KEY_PREFIX}:events`;

/** Zset: lock name scored by a time no later than its earliest deadline (Redis ms). */
export const DUE_INDEX_KEY = `${KEY_PREFIX}:index:due`;

/** Zset, all scores 0: names of locks that exist (held, waited for or reserved), in byte order. */
export const NAMES_INDEX_KEY = `${KEY_PREFIX}:index:names`;

/**
 * The seven keys of one lock, in the order every per-lock script expects them as KEYS: meta,
 * holders, waiters, queue, due, fencing, index (see lua/includes/lock.lua).
 */
export function lockKeys(name: string): string[] {
  if (name.includes("{") || name.includes("}")) {
    throw new Error(`lock name ${JSON.stringify(name)} contains a brace, which would break the Redis hash tag`);
  }
  const base = `${KEY_PREFIX}:{${name}}:`;
  return [base + "meta", base + "holders", base + "waiters", base + "queue", base + "due", base + "fencing", base + "index"];
}

/** The key that outlives a lock: its fencing counter. */
export function fencingKey(name: string): string {
  return lockKeys(name)[5]!;
}

/**
 * The three keys of instance presence, in the order the presence scripts expect them: live (zset
 * id -> presence deadline), dead (zset id -> eviction claim), clock (hash). One slot: `{instances}`.
 */
export const PRESENCE_KEYS = [`${KEY_PREFIX}:{instances}:live`, `${KEY_PREFIX}:{instances}:dead`, `${KEY_PREFIX}:{instances}:clock`];

/**
 * Set: the names of the locks an instance has (or recently had) waiters on, so an evictor finds
 * them without scanning. Hash-tagged by the instance id; ids are hex, never braces.
 */
export function instanceLocksKey(id: string): string {
  return `${KEY_PREFIX}:instance:{${id}}:locks`;
}
