import { describe, expect, it } from "vitest";
import { redisMode } from "../helpers/redis-server.js";
import { BatonProcess } from "./lib/baton-process.js";
import type { ChildClients } from "./lib/child-clients.js";
import { scale, timeoutFor } from "./lib/mode.js";
import { RedisProcess } from "./lib/redis-process.js";
import { Run } from "./lib/run.js";
import { runPrefix, sleep, workerSpecs } from "./lib/specs.js";
import { acquireReleaseWorks, drained, listLocks } from "./lib/state.js";

// Many clients killed at once (kill -9 of the processes they run in) while they are queued on,
// and holding, the same locks as a few steady clients: the dead must leave every queue at once,
// so the steady clients are granted again within the bound, and nothing stays stuck.

const CHILDREN = 4;
const PER_CHILD = scale(150, 3000);
const LOCKS = 3;
const stores = redisMode === "server" ? (["memory", "redis"] as const) : (["memory"] as const);

describe.each(stores)("chaos: many clients killed at once (%s store)", (store) => {
  it(
    `drops ${CHILDREN * PER_CHILD} dead clients from the queues at once and serves the living`,
    async () => {
      const run = new Run(`mass kill -9 of ${CHILDREN * PER_CHILD} clients (${store})`, { recoveryBoundMs: 3000 });
      const redis = store === "redis" ? await RedisProcess.start(false) : undefined;
      const instances = await Promise.all(
        (store === "redis" ? [0, 1] : [0]).map((i) => BatonProcess.start(`baton-${i}`, ["--store", redis?.url ?? "memory", "--min-ttl", "50ms", "--session-ttl", "1s"])),
      );
      run.servers.push(...instances);
      const urls = instances.map((s) => s.url);
      const prefix = runPrefix(`mass-kill-${store}`);
      const children: ChildClients[] = [];
      try {
        await run.guard(async () => {
          const layout = { prefix, locks: LOCKS, urls, ttlMs: 2000, holdMs: 10, writes: 1, sessionTtlMs: 1000 };
          run.startWorkers(workerSpecs({ ...layout, idPrefix: "steady-", perLock: 2, waitMs: 30_000 }));
          for (let c = 0; c < CHILDREN; c++) {
            const specs = workerSpecs({ ...layout, idPrefix: `doomed-${c}-`, perLock: PER_CHILD / LOCKS, waitMs: 60_000 }).map((s) => ({ ...s, sharedClient: true }));
            children.push(await run.startChild(`doomed-${c}`, specs, false));
          }
          // Wait until the doomed crowd fills the queues.
          const deadline = Date.now() + 30_000;
          let queued = 0;
          while (Date.now() < deadline) {
            // A server this busy may answer slowly: a failed look is tried again.
            queued = await listLocks(urls[0]!, prefix).then((locks) => locks.reduce((n, l) => n + (l.waiters?.length ?? 0), 0), () => queued);
            if (queued >= CHILDREN * PER_CHILD * 0.9) break;
            await sleep(250);
          }
          console.log(`mass kill (${store}): ${queued} waiters queued before the kill`);
          await run.fault(`kill -9 of ${CHILDREN} client processes`, children.flatMap((c) => c.specs.map((s) => s.id)), async () => {
            await Promise.all(children.map((c) => c.kill9()));
          });
          await sleep(5000);
          await run.stopClients();
          run.problem(await drained(urls[0]!, prefix, 5000));
          for (const s of instances) run.problem(await acquireReleaseWorks(s.url, `${prefix}after-${s.name}`));
        });
      } finally {
        await Promise.all(children.map((c) => c.kill9()));
        await Promise.all(instances.map((s) => s.stop()));
        await redis?.dispose();
      }
      expect(run.finish().problems).toEqual([]);
    },
    timeoutFor(45_000),
  );
});
