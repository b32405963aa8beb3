import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { DUE_INDEX_KEY, NAMES_INDEX_KEY, lockKeys } from "../../src/store/redis/keys.js";
import { newToken } from "../../src/store/token.js";
import type { LeaseRecord, LockEvent } from "../../src/store/types.js";
import { eventually } from "../helpers/eventually.js";
import { uniqueName } from "../helpers/unique.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";

/**
 * Scripts skip the global index writes that a lock's index marks say are done already. These
 * tests take the paths where a stale mark would lose something: a name List dropped, and a due
 * entry the sweep raised.
 */
describeRedis("Redis store: index marks", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let store: RedisStore;
  let admin: Redis;
  const events: LockEvent[] = [];

  beforeAll(async () => {
    redis = await redisForTests();
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  beforeEach(async () => {
    store = await RedisStore.open(redis.url, () => {});
    store.subscribe((e) => events.push(e));
    admin = new Redis(redis.url);
  });
  afterEach(async () => {
    admin.disconnect();
    await store.close();
  });

  async function take(name: string, ttlMs: number): Promise<LeaseRecord> {
    const r = await store.acquire({ name, owner: "o", ttlMs, maxQueueLength: 10, token: newToken() });
    if (r.kind !== "granted") throw new Error(`expected a grant, got ${r.kind}`);
    return r.lease;
  }

  it("lists a lock taken again after List dropped its name", async () => {
    const prefix = uniqueName("marks", "list") + "/";
    const name = `${prefix}x`;
    const first = await take(name, 10_000);
    await store.release(name, first.token);
    // Idle: List skips it and takes its name out of the index in the background.
    expect(await store.list({ prefix, after: "", limit: 10 })).toEqual([]);
    await eventually(async () => expect(await admin.zscore(NAMES_INDEX_KEY, name)).toBeNull());
    await take(name, 10_000);
    expect((await store.list({ prefix, after: "", limit: 10 })).map((l) => l.name)).toEqual([name]);
  });

  it("expires on time a lease taken after the sweep raised the lock's due entry", async () => {
    const name = uniqueName("marks", "due");
    // Indexed at a near deadline, then taken again with a far one: that needs no index write.
    const near = await take(name, 300);
    await store.release(name, near.token);
    const far = await take(name, 60_000);
    // At the near deadline the sweep finds nothing due and raises the entry to the far one.
    await eventually(async () => expect(Number(await admin.zscore(DUE_INDEX_KEY, name))).toBe(far.expiresAtMs), 5000);
    await store.release(name, far.token);
    // A deadline between the two: the entry must come down again, or this waits for the far one.
    const short = await take(name, 300);
    await eventually(() => expect(events.some((e) => e.kind === "expired" && e.lease?.token === short.token)).toBe(true), 5000);
  });

  it("gives the marks an expiry, so a mark an instance died behind cannot last", async () => {
    const name = uniqueName("marks", "ttl");
    await take(name, 10_000);
    const indexKey = lockKeys(name)[6]!;
    expect(await admin.hget(indexKey, "listed")).toBe("1");
    const ttl = await admin.pttl(indexKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });
});
