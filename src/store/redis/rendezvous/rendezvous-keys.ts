/**
 * Every Redis key and channel name of the rendezvous store, built here and nowhere else (the
 * lock store's names live in ../keys.ts, under the same `baton` prefix but never `baton:rv:`).
 *
 * A rendezvous key's Redis keys share the hash tag `{key}`, so all of them live in one cluster
 * slot and each per-key script touches exactly one slot. Keys are validated upstream to
 * `[A-Za-z0-9._:/@-]`; a key with a brace is refused here rather than scattered over slots.
 */
import { KEY_PREFIX } from "../keys.js";

/** The prefix of every rendezvous key. */
export const RV_PREFIX = `${KEY_PREFIX}:rv`;

/** The pub/sub channel every rendezvous change is published on (classic, cluster-wide). */
export const RV_EVENTS_CHANNEL = `${RV_PREFIX}:events`;

/** Zset: rendezvous key scored by a time no later than its earliest deadline (Redis ms). */
export const RV_DUE_INDEX_KEY = `${RV_PREFIX}:index:due`;

/** Zset, all scores 0: keys that are set, waited for or gathering a barrier, in byte order. */
export const RV_NAMES_INDEX_KEY = `${RV_PREFIX}:index:names`;

/** Zset: keys whose wait timed out, scored by the time of the latest timeout (Redis ms). */
export const RV_TIMEOUTS_INDEX_KEY = `${RV_PREFIX}:index:timeouts`;

/** The parts of one key's state, in the order every per-key script expects them as KEYS. */
const PARTS = ["sig", "last", "waiters", "bar", "arr", "gen", "trip", "due", "tmo"] as const;

/** The nine Redis keys of one rendezvous key (see lua/includes/rendezvous.lua). */
export function rendezvousKeys(key: string): string[] {
  if (key.includes("{") || key.includes("}")) {
    throw new Error(`rendezvous key ${JSON.stringify(key)} contains a brace, which would break the Redis hash tag`);
  }
  const base = `${RV_PREFIX}:{${key}}:`;
  return PARTS.map((part) => base + part);
}

/** The key holding a rendezvous key's latest timed-out wait (read directly by List). */
export function timeoutKey(key: string): string {
  return rendezvousKeys(key)[PARTS.indexOf("tmo")]!;
}

/** The three presence keys of the rendezvous store (as ../keys.ts PRESENCE_KEYS, its own slot). */
export const RV_PRESENCE_KEYS = [`${RV_PREFIX}:{instances}:live`, `${RV_PREFIX}:{instances}:dead`, `${RV_PREFIX}:{instances}:clock`];

/** Set: the rendezvous keys an instance has (or recently had) waiters or participants on. */
export function rvInstanceKeysKey(id: string): string {
  return `${RV_PREFIX}:instance:{${id}}:keys`;
}
