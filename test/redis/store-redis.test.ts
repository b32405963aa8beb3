import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { StoreUnavailableError } from "../../src/store/errors.js";
import { newToken } from "../../src/store/token.js";
import { storeConformance } from "../conformance/store-conformance.js";
import { storeConformanceCompat } from "../conformance/store-conformance-compat.js";
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

  it("refuses to open when Redis cannot be reached, with a clear message", async () => {
    const err = await RedisStore.open("redis://127.0.0.1:1/0?commandTimeout=300ms", () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(String((err as Error).message)).toMatch(/Redis store at redis:\/\/127\.0\.0\.1:1\/0 is unavailable/);
  });

  it("rejects a Redis URL with an unknown option", async () => {
    await expect(RedisStore.open(`${redis.url}?colour=blue`)).rejects.toThrow(/unknown option "colour"/);
  });

  it("never returns a lease token or owner from another lock's keys", async () => {
    const store = await RedisStore.open(redis.url, () => {});
    try {
      const token = newToken();
      const a = await store.acquire({ name: "iso/a", owner: "a", ttlMs: 5000, maxQueueLength: 10, token });
      expect(a.kind).toBe("granted");
      expect((await store.describe("iso/b")).holders).toEqual([]);
      expect(await store.release("iso/b", token)).toEqual({ kind: "not_held" });
    } finally {
      await store.close();
    }
  });
});
