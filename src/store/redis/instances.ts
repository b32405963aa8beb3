import type { Cluster, Redis } from "ioredis";
import type { RedisStoreOptions } from "./connection.js";
import { Evictor } from "./evictor.js";
import { InstancePresence } from "./instance-presence.js";

/** What a store (locks, or rendezvous) gives its instance presence and evictor. */
export interface InstanceWiring {
  client: Redis | Cluster;
  options: RedisStoreOptions;
  /** live, dead, clock (see lua/includes/presence.lua). */
  presenceKeys: string[];
  /** The key of an instance's set of names. */
  setKey(id: string): string;
  /** Runs presence-renew.lua or presence-due.lua, as defined on the store's client. */
  script(name: "presence-renew" | "presence-due", keys: string[], args: (string | number)[]): Promise<unknown>;
  /** Runs the store's evict.lua on one name; answers what it removed, by kind. */
  evict(name: string, id: string): Promise<Record<string, number>>;
  /** Whether this instance has (or is about to have) registrations on a name. */
  hasWaiters(name: string): boolean;
  /** Every name this instance has registrations on. */
  names(): Iterable<string>;
  /** Re-reads every name with registrations after the id changed. */
  changedId(): void;
  /** Maps a failed Redis call to the store's error. */
  call<T>(fn: () => Promise<T>): Promise<T>;
  onError(error: unknown): void;
  log(message: string): void;
}

/** A store's presence and evictor; `start` joins, then both run every sixth of the presence TTL. */
export interface Instances {
  presence: InstancePresence;
  evictor: Evictor;
  start(): Promise<void>;
  /** Stops both and leaves the live set, so what is left is evicted at once. */
  close(): Promise<void>;
}

/** Builds the instance presence and evictor of a store (README "Instances that die"). */
export function wireInstances(w: InstanceWiring): Instances {
  const ttlMs = w.options.presenceTtlMs;
  const [, dead] = w.presenceKeys as [string, string, string];
  const presence = new InstancePresence(
    w.client,
    {
      // Leaving is the store's last word, said after it closed to its callers: no error mapping.
      renew: (id, ttl, stallMs, mode) => {
        const sent = () => w.script("presence-renew", w.presenceKeys, [id, ttl, stallMs, mode]);
        return mode === "leave" ? sent() : w.call(sent);
      },
      setKey: w.setKey,
      hasWaiters: w.hasWaiters,
      lockNames: w.names,
      changedId: w.changedId,
      onError: w.onError,
      log: w.log,
    },
    ttlMs,
    w.options.cluster,
  );
  // A claim long enough for a large eviction; if its evictor dies, another takes it up after it.
  const claimMs = Math.max(5_000, 4 * ttlMs);
  const evictor = new Evictor({
    due: async (limit) => (await w.call(() => w.script("presence-due", w.presenceKeys, [limit, claimMs, ttlMs, presence.stallMs]))) as string[],
    lockNames: (id, count) => w.call(() => w.client.srandmember(w.setKey(id), count)),
    evict: w.evict,
    forgetLocks: (id, names) => w.call(async () => void (await w.client.srem(w.setKey(id), ...names))),
    forgetInstance: (id) => w.call(async () => void (await w.client.zrem(dead, id))),
    onError: w.onError,
    log: w.log,
  });
  return {
    presence,
    evictor,
    async start() {
      await presence.start();
      evictor.start(Math.max(10, Math.floor(ttlMs / 6)));
    },
    async close() {
      evictor.stop();
      await presence.leave().catch(() => undefined);
    },
  };
}
