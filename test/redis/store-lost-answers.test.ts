import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { RedisRendezvousStore } from "../../src/store/redis/rendezvous/redis-rendezvous-store.js";
import { lockKeys } from "../../src/store/redis/keys.js";
import { rendezvousKeys } from "../../src/store/redis/rendezvous/rendezvous-keys.js";
import { newToken } from "../../src/store/token.js";
import { eventually } from "../helpers/eventually.js";
import { uniqueName } from "../helpers/unique.js";
import { describeRedis, startRedis, type TestRedis } from "../helpers/redis-server.js";

/**
 * A script whose answer is lost (Redis frozen past the command timeout) still runs when Redis
 * resumes. Whatever it did must end as if the answer had arrived: a lease it granted expires on
 * time and is listed while it lives, though no one knows its token and no one touches its lock.
 */
describeRedis(
  "Redis store: scripts whose answers were lost",
  () => {
    let redis: TestRedis;
    let store: RedisStore;
    let admin: Redis;
    beforeAll(async () => {
      redis = await startRedis();
      store = await RedisStore.open(`${redis.url}?commandTimeout=300ms`, () => {});
      admin = new Redis(redis.url);
    });
    afterAll(async () => {
      admin?.disconnect();
      await store?.close();
      await redis?.dispose();
    });

    it("lists, then expires on time, leases granted by acquires that timed out", async () => {
      const prefix = uniqueName("lost", "grant") + "/";
      const names = Array.from({ length: 20 }, (_, i) => `${prefix}${i}`);
      redis.pause();
      const answers = await Promise.all(
        names.map((name) => store.acquire({ name, owner: "o", ttlMs: 1500, maxQueueLength: 10, token: newToken() }).then(() => "answered", (e: unknown) => String(e))),
      );
      redis.resume();
      expect(answers.every((a) => /unavailable/.test(a))).toBe(true);
      // The grants happened on SIGCONT: List shows them while they live...
      await eventually(async () => expect((await store.list({ prefix, after: "", limit: 100 })).map((l) => l.name).sort()).toEqual([...names].sort()));
      // ...and the sweep expires them, though their index writes were never asked for.
      await eventually(async () => {
        const left = await Promise.all(names.map((name) => admin.exists(lockKeys(name)[1]!)));
        expect(left.filter((n) => n === 1)).toHaveLength(0);
      }, 10_000);
      expect(await store.list({ prefix, after: "", limit: 100 })).toEqual([]);
    });

    it("expires on time values signalled with a TTL by signals that timed out", async () => {
      const rv = await RedisRendezvousStore.open(`${redis.url}?commandTimeout=300ms`, () => {});
      try {
        const keys = Array.from({ length: 20 }, (_, i) => `${uniqueName("lost", "signal")}/${i}`);
        redis.pause();
        const answers = await Promise.all(
          keys.map((key) => rv.signal({ key, payload: "v", owner: "o", ttlMs: 1500 }).then(() => "answered", (e: unknown) => String(e))),
        );
        redis.resume();
        expect(answers.every((a) => /unavailable/.test(a))).toBe(true);
        await eventually(async () => expect(await admin.exists(rendezvousKeys(keys[0]!)[0]!)).toBe(1));
        // Nothing touches these keys again: only the sweep can expire them.
        await eventually(async () => {
          const left = await Promise.all(keys.map((key) => admin.exists(rendezvousKeys(key)[0]!)));
          expect(left.filter((n) => n === 1)).toHaveLength(0);
        }, 10_000);
      } finally {
        await rv.close();
      }
    });
  },
  "server",
);
