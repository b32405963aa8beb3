import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import type { LeaseRecord, LockEvent } from "../../src/store/types.js";
import { eventually } from "../helpers/eventually.js";
import { uniqueName } from "../helpers/unique.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";

/**
 * A script that hands a permit to a queued waiter answers its events to the instance that ran it,
 * which delivers them from the answer and drops their pub/sub echo; every other instance reads
 * them from pub/sub. These tests pin both halves: once, in order, everywhere.
 */
describeRedis("Redis store: events of a hand-off", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let a: RedisStore;
  let b: RedisStore;
  const seen = new Map<RedisStore, LockEvent[]>();

  beforeAll(async () => {
    redis = await redisForTests();
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  beforeEach(async () => {
    [a, b] = await Promise.all([RedisStore.open(redis.url, () => {}), RedisStore.open(redis.url, () => {})]);
    for (const store of [a, b]) {
      const events: LockEvent[] = [];
      seen.set(store, events);
      store.subscribe((e) => events.push(e));
    }
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  const base = (name: string) => ({ name, owner: "o", ttlMs: 10_000, maxQueueLength: 10 });

  async function take(store: RedisStore, name: string): Promise<LeaseRecord> {
    const r = await store.acquire({ ...base(name), token: newToken() });
    if (r.kind !== "granted") throw new Error(`expected a grant, got ${r.kind}`);
    return r.lease;
  }

  /** What `store` saw of `name`: kind, plus the waiter id of a grant to a waiter. */
  const story = (store: RedisStore, name: string) =>
    seen
      .get(store)!
      .filter((e) => e.name === name)
      .map((e) => (e.waiterId !== undefined && e.kind === "granted" ? `granted:${e.waiterId}` : e.kind));

  /**
   * Waits until `watcher` has read, over pub/sub, an event that `maker` made after everything
   * before this call: pub/sub keeps order on one connection, so every earlier echo has then been
   * read (and dropped or delivered) by `watcher` too.
   */
  async function drain(maker: RedisStore, watcher: RedisStore): Promise<void> {
    const name = uniqueName("handoff", "barrier");
    await take(maker, name);
    await eventually(() => expect(story(watcher, name)).toEqual(["granted"]));
  }

  it("hands a permit to a waiter on the same instance from the release's answer, once, after the release", async () => {
    const name = uniqueName("handoff", "same");
    const held = await take(a, name);
    const waiterId = newWaiterId();
    expect((await a.acquire({ ...base(name), token: newToken(), waiterId })).kind).toBe("queued");
    await a.release(name, held.token);
    // Delivered before release() returned: it came in the answer, not over pub/sub.
    expect(story(a, name).slice(-2)).toEqual(["released", `granted:${waiterId}`]);
    expect(a.localWaiters).toBe(0);
    await drain(b, a);
    expect(story(a, name)).toEqual(["granted", "queued", "released", `granted:${waiterId}`]);
    // The other instance saw the same changes over pub/sub, once each and in the same order.
    await eventually(() => expect(story(b, name)).toEqual(["granted", "queued", "released", `granted:${waiterId}`]));
    await drain(a, b);
    expect(story(b, name)).toEqual(["granted", "queued", "released", `granted:${waiterId}`]);
  });

  it("hands a permit across instances: the waiter's instance reads the grant over pub/sub, the releaser from its answer", async () => {
    const name = uniqueName("handoff", "across");
    const held = await take(a, name);
    const waiterId = newWaiterId();
    expect((await b.acquire({ ...base(name), token: newToken(), waiterId })).kind).toBe("queued");
    await a.release(name, held.token);
    expect(story(a, name).slice(-2)).toEqual(["released", `granted:${waiterId}`]);
    await eventually(() => expect(story(b, name)).toEqual(["granted", "queued", "released", `granted:${waiterId}`]));
    expect(b.localWaiters).toBe(0);
    await drain(b, a);
    await drain(a, b);
    expect(story(a, name)).toEqual(["granted", "queued", "released", `granted:${waiterId}`]);
    expect(story(b, name)).toEqual(["granted", "queued", "released", `granted:${waiterId}`]);
  });

  it("hands on an expired lease by the sweep of either instance, and both see it once", async () => {
    const name = uniqueName("handoff", "expiry");
    const short = await a.acquire({ ...base(name), ttlMs: 200, token: newToken() });
    expect(short.kind).toBe("granted");
    const waiterId = newWaiterId();
    await a.acquire({ ...base(name), token: newToken(), waiterId });
    const expected = ["granted", "queued", "expired", `granted:${waiterId}`];
    await eventually(() => expect(story(a, name)).toEqual(expected), 5000);
    await eventually(() => expect(story(b, name)).toEqual(expected), 5000);
    await drain(a, b);
    await drain(b, a);
    expect(story(a, name)).toEqual(expected);
    expect(story(b, name)).toEqual(expected);
  });
});
