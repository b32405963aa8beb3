import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { RedisRendezvousStore } from "../../src/store/redis/rendezvous/redis-rendezvous-store.js";
import { PRESENCE_KEYS, instanceLocksKey, lockKeys } from "../../src/store/redis/keys.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import type { LockEvent } from "../../src/store/types.js";
import { eventually } from "../helpers/eventually.js";
import { uniqueName } from "../helpers/unique.js";
import { describeRedis, startRedis, type TestRedis } from "../helpers/redis-server.js";

/**
 * Instance presence (README "Instances that die"): what lapses, what does not, and what an
 * instance that finds its presence gone does. Kills of real processes: kill-instance.test.ts.
 */
describeRedis(
  "Redis store: instance presence",
  () => {
    let redis: TestRedis;
    let admin: Redis;
    const open: RedisStore[] = [];
    const logs: string[] = [];
    const openStore = async (query = "") => {
      const store = await RedisStore.open(redis.url + query, (m) => logs.push(m));
      open.push(store);
      return store;
    };
    beforeAll(async () => {
      redis = await startRedis();
      admin = new Redis(redis.url);
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      admin?.disconnect();
      await redis?.dispose();
    });

    /** A lock held by `holder`, with waiters queued by each store in turn; returns the waiter ids. */
    async function queue(name: string, holder: RedisStore, stores: RedisStore[]): Promise<string[]> {
      const held = await holder.acquire({ name, owner: "holder", ttlMs: 60_000, maxQueueLength: 100, token: newToken() });
      expect(held.kind).toBe("granted");
      const ids: string[] = [];
      for (const store of stores) {
        const waiterId = newWaiterId();
        expect((await store.acquire({ name, owner: "w", ttlMs: 60_000, maxQueueLength: 100, token: newToken(), waiterId })).kind).toBe("queued");
        ids.push(waiterId);
      }
      return ids;
    }
    const queued = async (store: RedisStore, name: string) => (await store.describe(name)).waiters.map((w) => w.id);

    it("evicts no one when Redis itself stalls for longer than the presence TTL", async () => {
      const [a, b] = [await openStore(), await openStore()];
      const name = uniqueName("presence", "stall");
      const ids = await queue(name, a, [b, a, b]);
      const events: LockEvent[] = [];
      a.subscribe((e) => e.name === name && events.push(e));
      redis.pause();
      await new Promise((r) => setTimeout(r, 4000));
      redis.resume();
      // Every deadline in the live set passed during the stall; evictors wait for a presence TTL
      // of unbroken ticks, by which time both instances renewed.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await queued(a, name)).toEqual(ids);
      expect(events.filter((e) => e.kind === "dequeued")).toEqual([]);
      expect(logs.filter((m) => /lapsed/.test(m))).toEqual([]);
    });

    it("takes the waiters of an instance that closed without cancelling them out at once", async () => {
      const [a, b] = [await openStore(), await openStore()];
      const name = uniqueName("presence", "leave");
      const [fromB, fromA] = await queue(name, a, [b, a]);
      const closedAt = Date.now();
      await b.close();
      await eventually(async () => expect(await queued(a, name)).toEqual([fromA]), 5000);
      console.log(`presence: the waiters of an instance that closed left the queue ${Date.now() - closedAt} ms after close()`);
      expect(fromB).toBeDefined();
    });

    it("rendezvous: drops the waiters and uncounts the participants of an instance that closed, at once", async () => {
      const [a, b] = [await RedisRendezvousStore.open(redis.url, () => {}), await RedisRendezvousStore.open(redis.url, () => {})];
      try {
        const key = uniqueName("presence", "rv");
        expect((await b.joinWait({ key: `${key}/w`, waiterId: newWaiterId(), owner: "on-b" })).kind).toBe("waiting");
        expect((await b.arrive({ key, participantId: newWaiterId(), owner: "on-b", parties: 3 })).kind).toBe("waiting");
        expect((await a.arrive({ key, participantId: newWaiterId(), owner: "on-a", parties: 3 })).kind).toBe("waiting");
        const listing = () => a.list({ prefix: key, limit: 10 });
        expect((await listing()).barriers).toMatchObject([{ arrived: 2 }]);
        await b.close();
        await eventually(async () => {
          const now = await listing();
          expect(now.barriers).toMatchObject([{ arrived: 1, owners: ["on-a"] }]);
          expect(now.waiting).toEqual([]);
        }, 5000);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it("registers the locks it queues waiters on, and takes them out of its set once they have none", async () => {
      const [a, b] = [await openStore(), await openStore()];
      const name = uniqueName("presence", "set");
      const [waiterId] = await queue(name, a, [b]);
      expect(await admin.smembers(instanceLocksKey(b.instanceId))).toContain(name);
      expect(await b.cancelWaiter(name, waiterId!)).toEqual({ kind: "cancelled" });
      await eventually(async () => expect(await admin.smembers(instanceLocksKey(b.instanceId))).not.toContain(name), 3000);
    });

    it("goes on under a new id when its presence was taken away, queueing its evicted waiters again", async () => {
      const [a, b] = [await openStore(), await openStore()];
      const name = uniqueName("presence", "lapse");
      const [b1, a1, b2] = await queue(name, a, [b, a, b]);
      const oldId = b.instanceId;
      // What an evictor does once B's presence lapsed (B unreachable, or its event loop stuck).
      await admin.zrem(PRESENCE_KEYS[0]!, oldId);
      await admin.zadd(PRESENCE_KEYS[1]!, 0, oldId);
      // B, finding its id gone, takes a new one and re-reads its locks. Who gets there first
      // decides where its waiters end up: A's evictor takes them out and B queues them again at
      // the back, or B re-tags them in place and the eviction finds nothing of the old id.
      // (The paused-instance test in kill-instance.test.ts takes the first path for certain.)
      await eventually(async () => expect(b.instanceId).not.toBe(oldId), 5000);
      await eventually(async () => expect([[a1, b1, b2].join(), [b1, a1, b2].join()]).toContain((await queued(a, name)).join()), 5000);
      // Re-queued under whichever id it had then, then re-tagged with the new one.
      await eventually(async () => {
        const raw = await admin.hmget(lockKeys(name)[2]!, b1!, b2!);
        expect(raw.map((w) => (JSON.parse(w!) as { i: string }).i)).toEqual([b.instanceId, b.instanceId]);
      }, 5000);
      expect(logs.some((m) => m.includes(`presence in Redis lapsed`) && m.includes(oldId))).toBe(true);
      expect(b.localWaiters).toBe(2);
    });
  },
  "server",
);
