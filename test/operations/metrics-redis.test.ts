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

    it("counts every instance's lock events on each instance of a shared Redis (aggregate with max)", async () => {
      const other = await startServer({ store: redis.url, metrics: true });
      try {
        const name = uniqueName("metrics", "shared");
        const [a, b] = [server, other].map((s) => lockClient("grpc-h2", s.url));
        const before = await Promise.all([server, other].map((s) => scrape(`${s.url}/metrics`)));
        const { lease } = await a!.acquire({ name, owner: "a" });
        const waits: string[] = [];
        let token = "";
        const waiting = (async () => {
          for await (const e of b!.wait({ name, owner: "b" })) {
            waits.push(e.event.case ?? "");
            if (e.event.case === "granted") token = e.event.value.token;
          }
        })();
        await eventually(() => expect(waits).toContain("queued"), 5000);
        await a!.release({ name, token: lease!.token });
        await waiting;
        for (const [i, s] of [server, other].entries()) {
          await eventually(async () => {
            const after = await scrape(`${s.url}/metrics`);
            const d = (metric: string): number => after.value(metric) - before[i]!.value(metric);
            expect([d("baton_lock_grants_total"), d("baton_lock_handoffs_total"), d("baton_lock_releases_total")]).toEqual([2, 1, 1]);
            expect(d("baton_leases_held")).toBe(1);
          }, 5000);
        }
        await b!.release({ name, token });
        await eventually(async () => expect((await scrape(`${server.url}/metrics`)).value("baton_leases_held")).toBe(before[0]!.value("baton_leases_held")));
      } finally {
        await other.close();
      }
    });

    it("reports the connections, and counts store errors while redis-server is down", async () => {
      const url = `${server.url}/metrics`;
      const c = lockClient("connect-binary-h2", server.url);
      const name = uniqueName("metrics", "redis");
      const start = await scrape(url);
      const { lease } = await c.acquire({ name, owner: "o" });
      const up = await scrape(url);
      expect(up.value("baton_redis_connected", { connection: "commands" })).toBe(1);
      expect(up.value("baton_redis_connected", { connection: "events" })).toBe(1);
      expect(up.value("baton_leases_held") - start.value("baton_leases_held")).toBe(1);
      expect(up.value("baton_store_operation_seconds_count", { operation: "acquire" }) - start.value("baton_store_operation_seconds_count", { operation: "acquire" })).toBe(1);

      await redis.stop();
      await eventually(async () => expect((await scrape(url)).value("baton_redis_connected", { connection: "commands" })).toBe(0), 5000);
      const failed = await c.release({ name, token: lease!.token }, { timeoutMs: 5000 }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(failed).toBeDefined();
      const down = await scrape(url);
      expect(down.value("baton_store_operation_errors_total", { operation: "release" })).toBeGreaterThanOrEqual(1);
      const releases = (labels: Record<string, string>): number => down.value("baton_calls_total", labels) - start.value("baton_calls_total", labels);
      expect(releases({ method: "Release", code: "unavailable" })).toBe(1);
      expect(releases({ method: "Release", code: "ok" })).toBe(0);

      await redis.start();
      await eventually(async () => expect((await scrape(url)).value("baton_redis_connected", { connection: "events" })).toBe(1), 10_000);
    });
  },
  "server",
);
