import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { StoreUnavailableError } from "../../src/store/errors.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import type { LockEvent } from "../../src/store/types.js";
import { Redis } from "ioredis";
import { lockKeys } from "../../src/store/redis/keys.js";
import { eventually } from "../helpers/eventually.js";
import { storeConformance } from "../conformance/store-conformance.js";
import { storeConformanceCompat } from "../conformance/store-conformance-compat.js";
import { storeConformanceClaims } from "../conformance/store-conformance-claims.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";

describeRedis("Redis store on a single Redis", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  beforeAll(async () => {
    redis = await redisForTests();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  const factory = {
    open: () => RedisStore.open(redis.url, () => {}),
    close: (store: { close(): Promise<void> }) => store.close(),
  };
  storeConformance("redis", factory);
  storeConformanceCompat("redis", factory);
  storeConformanceClaims("redis", factory);

  it("refuses to open when Redis cannot be reached, with a clear message", async () => {
    const err = await RedisStore.open("redis://127.0.0.1:1/0?commandTimeout=300ms", () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(String((err as Error).message)).toMatch(/Redis store at redis:\/\/127\.0\.0\.1:1\/0 is unavailable/);
  });

  it("counts the holders of a lock written before the permit counters existed, then keeps the count", async () => {
    const store = await RedisStore.open(redis.url, () => {});
    const admin = new Redis(redis.url);
    try {
      const name = `counters/${Date.now().toString(36)}`;
      const take = (extra: { permits?: number; shared?: boolean; limit?: number }) =>
        store.acquire({ name, owner: "t", ttlMs: 10_000, maxQueueLength: 10, token: newToken(), ...extra });
      const first = await take({ limit: 5, permits: 3 });
      expect(first.kind).toBe("granted");
      // As an older Baton left it: the lock's meta without the counters.
      const meta = lockKeys(name)[0]!;
      expect(await admin.hmget(meta, "used", "readers")).toEqual(["3", "0"]);
      await admin.hdel(meta, "used", "readers");
      expect((await take({ permits: 3 })).kind).toBe("busy");
      expect((await take({ permits: 2 })).kind).toBe("granted");
      expect(await admin.hmget(meta, "used", "readers")).toEqual(["5", "0"]);
      if (first.kind === "granted") await store.release(name, first.lease.token);
      expect(await admin.hmget(meta, "used", "readers")).toEqual(["2", "0"]);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  it("rejects a Redis URL with an unknown option", async () => {
    await expect(RedisStore.open(`${redis.url}?colour=blue`)).rejects.toThrow(/unknown option "colour"/);
  });

  it("keeps locks apart and carries any printable owner text through Lua and JSON unchanged", async () => {
    const store = await RedisStore.open(redis.url, () => {});
    try {
      const token = newToken();
      const owner = 'Zoë 🚀 "quoted" \\ back/slash {braces} 42';
      const name = `iso/${Date.now().toString(36)}`;
      const a = await store.acquire({ name: `${name}/a`, owner, ttlMs: 5000, maxQueueLength: 10, token });
      expect(a.kind === "granted" && a.lease.owner).toBe(owner);
      expect((await store.describe(`${name}/a`)).holders.map((h) => h.owner)).toEqual([owner]);
      expect((await store.describe(`${name}/b`)).holders).toEqual([]);
      expect(await store.release(`${name}/b`, token)).toEqual({ kind: "not_held" });
      expect((await store.releaseByOwner(`${name}/a`, owner)).kind).toBe("released");
    } finally {
      await store.close();
    }
  });

  it("after its pub/sub connection drops, re-reads its waiters and emits the grant it missed", async () => {
    // A long heartbeat: only the reconnect path, not the periodic heartbeat, can deliver in time.
    const a = await RedisStore.open(`${redis.url}?heartbeatTtl=120s`, () => {});
    const b = await RedisStore.open(redis.url, () => {});
    const admin = new Redis(redis.url);
    try {
      const name = `reconnect/${Date.now().toString(36)}`;
      const base = { name, owner: "o", ttlMs: 10_000, maxQueueLength: 10 };
      const held = await b.acquire({ ...base, token: newToken() });
      if (held.kind !== "granted") throw new Error("expected a grant");
      const waiterId = newWaiterId();
      expect((await a.acquire({ ...base, token: newToken(), waiterId })).kind).toBe("queued");
      const seen: LockEvent[] = [];
      a.subscribe((e) => seen.push(e));
      // Cut every subscriber connection, then release while they reconnect: the event is lost.
      await admin.client("KILL", "TYPE", "pubsub");
      await b.release(name, held.lease.token);
      await eventually(() => expect(seen.some((e) => e.kind === "granted" && e.waiterId === waiterId)).toBe(true), 5000);
      expect(a.localWaiters).toBe(0);
    } finally {
      admin.disconnect();
      await a.close();
      await b.close();
    }
  });

  it("puts back a live instance's waiter whose heartbeat lapsed, at the end of the queue", async () => {
    const a = await RedisStore.open(`${redis.url}?heartbeatTtl=120s`, () => {});
    const admin = new Redis(redis.url);
    try {
      const name = `rejoin/${Date.now().toString(36)}`;
      const base = { name, owner: "o", ttlMs: 10_000, maxQueueLength: 10 };
      const held = await a.acquire({ ...base, token: newToken() });
      const [first, second] = [newWaiterId(), newWaiterId()];
      await a.acquire({ ...base, token: newToken(), waiterId: first });
      await a.acquire({ ...base, token: newToken(), owner: "other", waiterId: second });
      // Make the first waiter's heartbeat look lapsed, as if this instance had stalled.
      await admin.zadd(`baton:{${name}}:due`, 1, `W${first}`);
      await admin.zadd("baton:index:due", 1, name);
      await eventually(async () => expect((await a.describe(name)).waiters.map((w) => w.id)).toEqual([second, first]), 5000);
      expect(held.kind).toBe("granted");
    } finally {
      admin.disconnect();
      await a.close();
    }
  });

  it("hands a grant whose event was lost to the caller that cancels the waiter, so it can be released", async () => {
    const a = await RedisStore.open(`${redis.url}?heartbeatTtl=120s`, () => {});
    const b = await RedisStore.open(redis.url, () => {});
    const admin = new Redis(redis.url);
    try {
      const name = `cancel-granted/${Date.now().toString(36)}`;
      const base = { name, owner: "o", ttlMs: 10_000, maxQueueLength: 10 };
      const held = await b.acquire({ ...base, token: newToken() });
      if (held.kind !== "granted") throw new Error("expected a grant");
      const waiterId = newWaiterId();
      const waiterToken = newToken();
      await a.acquire({ ...base, token: waiterToken, waiterId });
      const seen: LockEvent[] = [];
      a.subscribe((e) => seen.push(e));
      await admin.client("KILL", "TYPE", "pubsub");
      await b.release(name, held.lease.token);
      expect(await a.cancelWaiter(name, waiterId)).toEqual({ kind: "not_waiting" });
      // Delivered by the cancel itself, before it returned: the pub/sub connection is still down.
      const grant = seen.find((e) => e.kind === "granted" && e.waiterId === waiterId);
      expect(grant?.lease?.token).toBe(waiterToken);
      expect((await a.release(name, waiterToken)).kind).toBe("released");
    } finally {
      admin.disconnect();
      await a.close();
      await b.close();
    }
  });
});
