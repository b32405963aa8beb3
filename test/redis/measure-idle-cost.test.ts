import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import type { LockEvent } from "../../src/store/types.js";
import { describeRedis, startRedis, type TestRedis } from "../helpers/redis-server.js";

/**
 * What idle waiters cost Redis, for the README: N waiters of one instance on N locks held by
 * another, left alone; the top-level commands and Redis CPU per second, by `INFO`. A minute or
 * more per setting, so it runs only when asked:
 *
 *   BATON_MEASURE=1 npx vitest run test/redis/measure-idle-cost.test.ts
 *   BATON_MEASURE=1 MEASURE_WAITERS=10000 MEASURE_QUERIES='heartbeatTtl=10s,heartbeatTtl=30s' npx vitest run …
 */
const ON = process.env.BATON_MEASURE === "1";
const WAITERS = Number(process.env.MEASURE_WAITERS ?? 10_000);
const QUERIES = (process.env.MEASURE_QUERIES ?? ",heartbeatTtl=10s,heartbeatTtl=1500ms").split(",");
const SECONDS = Number(process.env.MEASURE_SECONDS ?? 20);

/** Top-level calls (EVALSHA, EVAL, ZADD from the client...) by command, and Redis CPU seconds. */
async function stats(admin: Redis): Promise<{ calls: Map<string, number>; cpu: number }> {
  const calls = new Map<string, number>();
  // Commands run inside scripts are counted too; the scripts themselves are evalsha / eval.
  for (const m of (await admin.info("commandstats")).matchAll(/cmdstat_(\S+?):calls=(\d+)/g)) calls.set(m[1]!, Number(m[2]));
  const cpu = /used_cpu_sys:([\d.]+)[\s\S]*used_cpu_user:([\d.]+)/.exec(await admin.info("cpu"))!;
  return { calls, cpu: Number(cpu[1]) + Number(cpu[2]) };
}

describeRedis(
  "Redis cost of idle waiters (BATON_MEASURE=1)",
  () => {
    let redis: TestRedis;
    let admin: Redis;
    beforeAll(async () => {
      redis = await startRedis();
      admin = new Redis(redis.url);
    });
    afterAll(async () => {
      admin?.disconnect();
      await redis?.dispose();
    });

    for (const query of QUERIES) {
      it.runIf(ON)(`${WAITERS} idle waiters on ${WAITERS} locks, ?${query || "(defaults)"}`, { timeout: 300_000 }, async () => {
        const url = `${redis.url}${query === "" ? "" : `?${query}`}`;
        const holder = await RedisStore.open(url, () => {});
        const store = await RedisStore.open(url, () => {});
        const requeued: LockEvent[] = [];
        try {
          const prefix = `cost/${Date.now().toString(36)}`;
          const base = { owner: "o", ttlMs: 3_600_000, maxQueueLength: 10 };
          for (let i = 0; i < WAITERS; i += 500) {
            const batch = Array.from({ length: Math.min(500, WAITERS - i) }, (_, j) => `${prefix}/${i + j}`);
            await Promise.all(batch.map((name) => holder.acquire({ ...base, name, token: newToken() })));
            await Promise.all(batch.map((name) => store.acquire({ ...base, name, token: newToken(), waiterId: newWaiterId() })));
          }
          // Past the first heartbeat rounds and sweeps of the waiters' deadlines.
          await new Promise((r) => setTimeout(r, 12_000));
          store.subscribe((e) => e.kind === "queued" && requeued.push(e));
          const before = await stats(admin);
          const startedAt = Date.now();
          await new Promise((r) => setTimeout(r, SECONDS * 1000));
          const after = await stats(admin);
          const seconds = (Date.now() - startedAt) / 1000;
          const rate = (cmd: string) => ((after.calls.get(cmd) ?? 0) - (before.calls.get(cmd) ?? 0)) / seconds;
          console.log(
            `idle cost, ${WAITERS} waiters on ${WAITERS} locks, ?${query || "(defaults)"}: ${(rate("evalsha") + rate("eval")).toFixed(0)} scripts/s, ` +
              `Redis CPU ${(((after.cpu - before.cpu) / seconds) * 100).toFixed(1)} %, ${requeued.length} waiters re-queued in ${seconds.toFixed(0)} s`,
          );
          expect(store.localWaiters).toBe(WAITERS);
        } finally {
          await store.close();
          await holder.close();
        }
      });
    }
  },
  "server",
);
