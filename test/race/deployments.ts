import { afterAll, beforeAll, describe } from "vitest";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * Runs `races` against the two deployments every coordination feature must be safe on: one Baton
 * on the memory store, and two Baton instances sharing one Redis (where the instances race each
 * other through the store). `urls` is read once the servers are up.
 */
export function onEveryDeployment(races: (label: string, urls: () => string[]) => void): void {
  describe("one Baton on the memory store", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ minTtlMs: 50 });
    });
    afterAll(async () => {
      await server.close();
    });
    races("memory", () => [server.url]);
  });

  describeRedis("two Baton instances on one Redis", () => {
    let redis: Awaited<ReturnType<typeof redisForTests>>;
    let servers: TestServer[] = [];
    beforeAll(async () => {
      redis = await redisForTests();
      servers = await Promise.all([0, 1].map(() => startServer({ store: redis.url, minTtlMs: 50 })));
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()));
      await redis?.dispose();
    });
    races("redis, two instances", () => servers.map((s) => s.url));
  });
}
