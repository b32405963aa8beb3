import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { describeRedis } from "../helpers/redis-server.js";
import { BatonProcess } from "./lib/baton-process.js";
import { JsonLockClient } from "./lib/clients/json-client.js";
import { nowMs } from "./lib/history.js";
import { scale, timeoutFor } from "./lib/mode.js";
import { RedisProcess } from "./lib/redis-process.js";
import { Run } from "./lib/run.js";
import { runPrefix, sleep, workerSpecs } from "./lib/specs.js";
import { acquireReleaseWorks, drained } from "./lib/state.js";
import { WaiterCrowd } from "./lib/waiters.js";

// Faults of Redis itself under two Baton instances: kill -9 and restart, with and without the
// append-only file, and a stall (SIGSTOP, then SIGCONT) with a crowd of waiters queued.

const RESTARTS = scale(2, 8);
const SETTLE_MS = scale(4000, 6000);
const BASE_ARGS = ["--min-ttl", "50ms", "--session-ttl", "1s"];

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Polls /healthz until it answers 200; resolves with a problem if it has not within `boundMs`. */
async function healthyWithin(server: BatonProcess, boundMs: number, after: string): Promise<string | undefined> {
  const deadline = Date.now() + boundMs;
  let last: number | string = "";
  while (Date.now() < deadline) {
    last = await server.health(1000);
    if (last === 200) return undefined;
    await sleep(100);
  }
  return `${server.name}: /healthz not answering 200 within ${boundMs} ms after ${after} (last: ${last})`;
}

for (const aof of [true, false]) {
  describeRedis(
    `chaos: kill -9 of Redis ${aof ? "with" : "without"} AOF`,
    () => {
      it(
        "never reuses or lowers a fencing token, accepts no overlapping write, and serves again once Redis is back",
        async () => {
          const run = new Run(`redis kill -9 (${aof ? "AOF" : "no AOF"})`, { recoveryBoundMs: 5000 });
          const redis = await RedisProcess.start(aof);
          const instances = await Promise.all([0, 1].map((i) => BatonProcess.start(`baton-${i}`, ["--store", redis.url, ...BASE_ARGS])));
          run.servers.push(...instances);
          const prefix = runPrefix(`redis-kill-${aof ? "aof" : "noaof"}`);
          try {
            await run.guard(async () => {
              const urls = instances.map((s) => s.url);
              run.startWorkers(
                workerSpecs({ prefix, idPrefix: "w", locks: 4, perLock: 4, urls, ttlMs: 2000, waitMs: 5000, holdMs: 20, writes: 4, longHoldShare: 0.05, longHoldMs: 1500, sessionTtlMs: 1000 }),
              );
              await sleep(1500);
              for (let k = 0; k < RESTARTS; k++) {
                // Without AOF Redis comes back empty: fencing must still grow (the time floor) and
                // holders of forgotten leases must be stopped by fencing alone.
                await run.fault(`redis kill -9 + restart`, ["redis"], () => redis.kill9(), async () => {
                  await sleep(500);
                  await redis.restart();
                });
                await sleep(SETTLE_MS);
              }
              await run.stopClients();
              run.problem(await drained(urls[0]!, prefix, 5000));
              for (const s of instances) run.problem(await acquireReleaseWorks(s.url, `${prefix}after-${s.name}`));
            });
          } finally {
            await Promise.all(instances.map((s) => s.stop()));
            await redis.dispose();
          }
          expect(run.finish().problems).toEqual([]);
        },
        timeoutFor(RESTARTS * SETTLE_MS + 5000),
      );
    },
    "server",
  );
}

const CROWD_NAMES = scale(300, 600);
const CROWD_PER_NAME = 5;
const STALL_MS = scale(6000, 8000);

describeRedis(
  "chaos: Redis stalls (SIGSTOP) under a crowd of queued waiters",
  () => {
    it(
      "answers /healthz, grants again and serves the crowd once Redis resumes (no livelock)",
      async () => {
        const run = new Run(`redis stall ${STALL_MS / 1000} s (${CROWD_NAMES * CROWD_PER_NAME} queued)`, { recoveryBoundMs: 5000 });
        const redis = await RedisProcess.start(false);
        const instances = await Promise.all([0, 1].map((i) => BatonProcess.start(`baton-${i}`, ["--store", redis.url, ...BASE_ARGS])));
        run.servers.push(...instances);
        const prefix = runPrefix("redis-stall");
        const crowdNames = Array.from({ length: CROWD_NAMES }, (_, i) => `${prefix}crowd-${i}`);
        const json = new JsonLockClient(instances[1]!.url);
        let crowd: WaiterCrowd | undefined;
        try {
          await run.guard(async () => {
            const holders = [];
            for (let i = 0; i < crowdNames.length; i += 50) {
              holders.push(...(await Promise.all(crowdNames.slice(i, i + 50).map((name) => json.acquire(name, { owner: "crowd-holder", ttlMs: 60_000, waitMs: 30_000 })))));
            }
            crowd = new WaiterCrowd(instances[0]!.url, crowdNames, CROWD_PER_NAME, "crowd");
            if (!(await crowd.untilQueued(CROWD_NAMES * CROWD_PER_NAME, 30_000))) run.problem(`only ${crowd.queued} of the crowd were queued`);
            run.startWorkers(workerSpecs({ prefix, idPrefix: "w", locks: 4, perLock: 4, urls: instances.map((s) => s.url), ttlMs: 2000, waitMs: 5000, holdMs: 20, writes: 4, sessionTtlMs: 1000 }));
            await sleep(1500);
            const cpuBefore = instances.map((s) => cpuSeconds(s.child?.pid));
            await run.fault("redis SIGSTOP", ["redis"], () => redis.pause(), async () => {
              await sleep(STALL_MS);
              redis.resume();
            });
            const resumedAt = nowMs();
            for (const s of instances) run.problem(await healthyWithin(s, 5000, "Redis resumed"));
            // The crowd is still queued behind its holders; let them go and every name must be
            // granted to its first waiter.
            const released = await Promise.allSettled(holders.map((h, i) => json.release(crowdNames[i]!, h.token)));
            const lostHolders = released.filter((r) => r.status === "rejected").length;
            const deadline = Date.now() + 10_000;
            while (crowd.granted < CROWD_NAMES && Date.now() < deadline) await sleep(100);
            if (crowd.granted < CROWD_NAMES) run.problem(`only ${crowd.granted} of ${CROWD_NAMES} crowd locks were granted within 10 s of their release`);
            await sleep(Math.max(0, 5000 - (nowMs() - resumedAt)));
            const cpu = instances.map((s, i) => (cpuSeconds(s.child?.pid) - cpuBefore[i]!).toFixed(1));
            console.log(`redis stall: CPU seconds used per instance from the stall to 5 s after it: ${cpu.join(", ")}; ${lostHolders} crowd holders already gone`);
            if (crowd.failed.size > 0) run.problem(`crowd streams failed: ${[...crowd.failed].map(([k, n]) => `${k}×${n}`).join("; ")}`);
            run.problem(await crowd.close());
            crowd = undefined;
            await run.stopClients();
            // Granted crowd leases (2 s) expire; the rest left with their streams.
            run.problem(await drained(instances[1]!.url, prefix, 8000));
            for (const s of instances) run.problem(await acquireReleaseWorks(s.url, `${prefix}after-${s.name}`));
          });
        } finally {
          await crowd?.close();
          json.close();
          redis.resume();
          await Promise.all(instances.map((s) => s.stop()));
          await redis.dispose();
        }
        expect(run.finish().problems).toEqual([]);
      },
      timeoutFor(STALL_MS + 40_000),
    );
  },
  "server",
);
