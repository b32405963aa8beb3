import { ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { scrape } from "../helpers/prometheus.js";
import { describeRedis, startRedis, type TestRedis } from "../helpers/redis-server.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { uniqueName } from "../helpers/unique.js";

describeRedis(
  "metrics of a Redis store",
  () => {
    let redis: TestRedis;
    let server: TestServer;
    beforeAll(async () => {
      redis = await startRedis();
      server = await startServer({ store: redis.url, metrics: true });
    });
    afterAll(async () => {
      await server?.close();
      await redis?.dispose();
    });

    it("reports the connections, and counts store errors while redis-server is down", async () => {
      const url = `${server.url}/metrics`;
      const c = lockClient("connect-binary-h2", server.url);
      const name = uniqueName("metrics", "redis");
      const { lease } = await c.acquire({ name, owner: "o" });
      const up = await scrape(url);
      expect(up.value("baton_redis_connected", { connection: "commands" })).toBe(1);
      expect(up.value("baton_redis_connected", { connection: "events" })).toBe(1);
      expect(up.value("baton_leases_held")).toBe(1);
      expect(up.value("baton_store_operation_seconds_count", { operation: "acquire" })).toBe(1);

      await redis.stop();
      await eventually(async () => expect((await scrape(url)).value("baton_redis_connected", { connection: "commands" })).toBe(0), 5000);
      const failed = await c.release({ name, token: lease!.token }, { timeoutMs: 5000 }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(failed).toBeDefined();
      const down = await scrape(url);
      expect(down.value("baton_store_operation_errors_total", { operation: "release" })).toBeGreaterThanOrEqual(1);
      expect(down.value("baton_calls_total", { method: "Release", code: "ok" })).toBe(0);
      expect(down.value("baton_calls_total", { method: "Release" })).toBe(1);

      await redis.start();
      await eventually(async () => expect((await scrape(url)).value("baton_redis_connected", { connection: "events" })).toBe(1), 10_000);
    });
  },
  "server",
);
