import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { batchWrites } from "../../src/store/redis/write-batch.js";
import { eventually } from "../helpers/eventually.js";
import { uniqueName } from "../helpers/unique.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";

describeRedis("Redis store: write batching", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  beforeAll(async () => {
    redis = await redisForTests();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it("writes to an idle connection at once and holds the rest of a busy turn until the turn ends", async () => {
    const client = new Redis(redis.url);
    batchWrites(client);
    try {
      await client.ping();
      const key = uniqueName("batch", "order");
      const first = client.incr(key);
      // Idle connection: the command went out at once.
      expect(client.stream.writableCorked).toBe(0);
      const rest = Array.from({ length: 99 }, () => client.incr(key));
      // An answer is outstanding: the rest of this turn's commands wait to leave together.
      expect(client.stream.writableCorked).toBe(1);
      await turn();
      expect(client.stream.writableCorked).toBe(0);
      // Every command answered, in the order sent.
      expect(await Promise.all([first, ...rest])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    } finally {
      client.disconnect();
    }
  });

  it("keeps working after the connection is cut while a batch is held", async () => {
    const client = new Redis(redis.url, { retryStrategy: () => 20, maxRetriesPerRequest: 0 });
    const admin = new Redis(redis.url);
    client.on("error", () => {});
    batchWrites(client);
    try {
      const id = (await client.client("ID")) as number;
      const key = uniqueName("batch", "cut");
      const held = [client.incr(key), client.incr(key)];
      await admin.client("KILL", "ID", String(id));
      await Promise.allSettled(held);
      await eventually(async () => expect(await client.incr(key)).toBeGreaterThan(0), 5000);
      const more = await Promise.all(Array.from({ length: 10 }, () => client.incr(key)));
      expect(more).toEqual([...more].sort((a, b) => a - b));
      expect(client.stream.writableCorked).toBe(0);
    } finally {
      admin.disconnect();
      client.disconnect();
    }
  });
});
