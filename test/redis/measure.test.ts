import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { DUE_INDEX_KEY, NAMES_INDEX_KEY, lockKeys } from "../../src/store/redis/keys.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";

/** Figures for the README (printed, never asserted as timings). */
describeRedis("Redis store measurements", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  beforeAll(async () => {
    redis = await redisForTests();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it("cross-instance hand-off latency: release on B -> grant on A's Wait stream", async () => {
    const servers: TestServer[] = await Promise.all([0, 1].map(() => startServer({ store: redis.url })));
    try {
      const a = lockClient("connect-binary-h2", servers[0]!.url);
      const b = lockClient("connect-binary-h2", servers[1]!.url);
      const name = `measure/handoff/${Date.now().toString(36)}`;
      const samples: number[] = [];
      for (let i = 0; i < 60; i++) {
        const { lease } = await b.acquire({ name, owner: "b", ttlMs: 10_000n });
        let releasedAt = 0;
        for await (const e of a.wait({ name, owner: "a", ttlMs: 10_000n })) {
          if (e.event.case === "queued") {
            releasedAt = performance.now();
            await b.release({ name, token: lease!.token });
          } else if (e.event.case === "granted") {
            samples.push(performance.now() - releasedAt);
            await a.release({ name, token: e.event.value.token });
            break;
          }
        }
      }
      const sorted = samples.slice(10).sort((x, y) => x - y); // the first rounds warm up JIT and connections
      const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
      console.log(`cross-instance hand-off over ${sorted.length} rounds: p50 ${pct(50)} ms, p90 ${pct(90)} ms, max ${pct(100)} ms`);
      expect(samples).toHaveLength(60);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it("expiry lateness: expired event on another instance vs the lease's deadline, with no request arriving", async () => {
    const holder = await RedisStore.open(redis.url, () => {});
    const watcher = await RedisStore.open(redis.url, () => {});
    try {
      const late: number[] = [];
      const name = `measure/expiry/${Date.now().toString(36)}`;
      const seen = new Map<string, number>();
      watcher.subscribe((e) => {
        if (e.kind === "expired" && e.lease !== undefined) seen.set(e.lease.token, Date.now() - e.lease.expiresAtMs);
      });
      for (let i = 0; i < 20; i++) {
        const r = await holder.acquire({ name: `${name}/${i}`, owner: "o", ttlMs: 150 + i * 7, maxQueueLength: 1, token: newToken() });
        if (r.kind !== "granted") throw new Error("expected a grant");
        await eventually(() => expect(seen.has(r.lease.token)).toBe(true), 5000);
        late.push(seen.get(r.lease.token)!);
      }
      late.sort((x, y) => x - y);
      console.log(`expiry lateness over ${late.length} leases (event seen by another instance): p50 ${late[10]} ms, max ${late.at(-1)} ms`);
      expect(late).toHaveLength(20);
    } finally {
      await holder.close();
      await watcher.close();
    }
  });

  it("MEMORY USAGE of a lock's keys, idle and busy, and per waiter", async () => {
    const store = await RedisStore.open(redis.url, () => {});
    const node = new Redis(redis.url);
    const usage = async (keys: string[]) => {
      let total = 0;
      for (const key of keys) total += Number((await node.call("MEMORY", "USAGE", key, "SAMPLES", "0")) ?? 0);
      return total;
    };
    try {
      const name = `measure/mem/${Date.now().toString(36)}`;
      const keys = lockKeys(name);
      const input = { name, owner: "owner-of-the-lock", ttlMs: 60_000, maxQueueLength: 100_000 };
      const lease = await store.acquire({ ...input, token: newToken() });
      if (lease.kind !== "granted") throw new Error("expected a grant");
      const held = await usage(keys);
      const waiters = 1000;
      for (let i = 0; i < waiters; i++) await store.acquire({ ...input, token: newToken(), waiterId: newWaiterId() });
      expect((await store.describe(name)).waiters).toHaveLength(waiters);
      const withWaiters = await usage(keys);
      // Let the queue go (it would otherwise be granted one by one) and release: the lock is idle.
      for (const w of (await store.describe(name)).waiters) await store.cancelWaiter(name, w.id);
      await store.release(name, lease.lease.token);
      const idle = await usage(keys);
      expect(await node.exists(...keys.slice(0, 5))).toBe(0);
      await store.reserve(`${name}/reserved`, 1);
      const reserved = await usage(lockKeys(`${name}/reserved`));
      await eventually(async () => expect(await node.zscore(NAMES_INDEX_KEY, `${name}/reserved`)).not.toBeNull());
      const indexes = await usage([DUE_INDEX_KEY, NAMES_INDEX_KEY]);
      const perWaiter = (withWaiters - held) / waiters;
      console.log(
        [
          `MEMORY USAGE (redis-server ${String((await node.info("server")).match(/redis_version:(\S+)/)?.[1])}):`,
          `  idle lock (only its fencing counter is left): ${idle} B`,
          `  reserved idle lock: ${reserved} B`,
          `  lock with one holder: ${held} B`,
          `  per waiter (${waiters} queued): ${perWaiter.toFixed(0)} B`,
          `  global indexes now (due + names, ${await node.zcard(NAMES_INDEX_KEY)} names): ${indexes} B`,
        ].join("\n"),
      );
      expect(idle).toBeGreaterThan(0);
      expect(perWaiter).toBeGreaterThan(0);
    } finally {
      node.disconnect();
      await store.close();
    }
  });
});
