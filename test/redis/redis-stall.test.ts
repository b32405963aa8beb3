import { readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { lockKeys } from "../../src/store/redis/keys.js";
import type { Lease } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { spawnBaton } from "../helpers/spawn-baton.js";
import { describeRedis, startRedis, type TestRedis } from "../helpers/redis-server.js";

/** Waiters queued on the instance, one per lock: a reconcile over locks × waiters used to cost 16 M steps. */
const WAITERS = 4000;
const STALL_MS = 8000;
/** Leases taken during the stall: their callers hear `unavailable`, yet Redis grants them on SIGCONT. */
const LOST_GRANTS = 200;
const LOST_TTL_MS = 3000;

/** CPU seconds a process has used so far (Linux /proc), or NaN elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** How long /healthz took to answer, or undefined when it did not within `timeoutMs`. */
async function healthMs(url: string, timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.text();
    return response.ok ? Date.now() - started : undefined;
  } catch {
    return undefined;
  }
}

async function inBatches<T>(count: number, size: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => fn(i + j)))));
  }
  return out;
}

describeRedis(
  "a Redis stall (SIGSTOP) under an instance with thousands of queued waiters",
  () => {
    let redis: TestRedis;
    let baton: { child: ChildProcess; url: string };
    let admin: Redis;
    const ctl = new AbortController();

    beforeAll(async () => {
      redis = await startRedis();
      baton = await spawnBaton(["--store", redis.url, "--min-ttl", "50ms"]);
      admin = new Redis(redis.url);
    });
    afterAll(async () => {
      ctl.abort();
      admin?.disconnect();
      baton?.child.kill("SIGKILL");
      await redis?.dispose();
    });

    it("answers health, drains its queues and expires every lease on time after Redis resumes", { timeout: 240_000 }, async () => {
      const prefix = `stall/${process.pid}-${Date.now().toString(36)}`;
      const unary = lockClient("connect-binary-h2", baton.url);
      const streams = lockClient("connect-binary-h2", baton.url);

      const holders: Lease[] = await inBatches(WAITERS, 200, async (i) => {
        const { lease } = await unary.acquire({ name: `${prefix}/q/${i}`, owner: "holder", ttlMs: 600_000n });
        return lease!;
      });
      let queued = 0;
      let granted = 0;
      const failures: unknown[] = [];
      // Opened in batches, as clients arrive: a burst of thousands at once could stall the server
      // past the command timeout on a loaded machine, which is not what this test is about.
      for (let i = 0; i < WAITERS; i++) {
        void (async () => {
          const wait = streams.wait({ name: `${prefix}/q/${i}`, owner: `w${i}`, ttlMs: 30_000n }, { signal: ctl.signal });
          for await (const event of wait) {
            if (event.event.case === "queued" && event.event.value.position === 1) queued++;
            if (event.event.case === "granted") granted++;
          }
        })().catch((error: unknown) => failures.push(error));
        if ((i + 1) % 500 === 0) await eventually(() => expect({ queued, failures }).toEqual({ queued: i + 1, failures: [] }), 30_000);
      }
      await eventually(() => expect({ queued, failures }).toEqual({ queued: WAITERS, failures: [] }), 30_000);

      const cpuBefore = cpuSeconds(baton.child.pid!);
      redis.pause();
      const stalledAt = Date.now();
      // Acquires on fresh locks while Redis is frozen: each fails (no answer in time), but its
      // script is in Redis's input buffer and grants the lease on SIGCONT, unknown to anyone.
      const lost = Array.from({ length: LOST_GRANTS }, (_, i) => `${prefix}/lost/${i}`);
      const refused = await Promise.all(
        lost.map((name) => unary.acquire({ name, owner: "lost", ttlMs: BigInt(LOST_TTL_MS), waitMs: 0n }).then(() => "granted", (e: unknown) => String(e))),
      );
      expect(refused.every((r) => /unavailable/.test(r))).toBe(true);
      await new Promise((r) => setTimeout(r, STALL_MS - (Date.now() - stalledAt)));
      redis.resume();
      const resumedAt = Date.now();

      // Liveness: health answers promptly again (five probes in a row under 1 s), long before the
      // generous bound; it used to time out for minutes while reconciles fed on their own timeouts.
      const probes: (number | undefined)[] = [];
      let inARow = 0;
      while (inARow < 5 && Date.now() - resumedAt < 60_000) {
        const ms = await healthMs(baton.url, 2000);
        probes.push(ms);
        inARow = ms !== undefined && ms < 1000 ? inARow + 1 : 0;
        await new Promise((r) => setTimeout(r, 200));
      }
      const recoveredMs = Date.now() - resumedAt;
      const cpuAfter = cpuSeconds(baton.child.pid!);
      console.log(
        `redis stall: health answered 5 times in a row ${recoveredMs} ms after SIGCONT ` +
          `(probes: ${probes.map((p) => p ?? "timeout").join(", ")}); baton CPU from SIGSTOP until then: ${(cpuAfter - cpuBefore).toFixed(1)} s`,
      );
      expect(inARow).toBe(5);

      // No lease outlives its TTL by more than a bound: the lost grants are swept although their
      // callers never learnt of them and no one touches their locks again.
      await eventually(async () => {
        const left = await Promise.all(lost.map((name) => admin.exists(lockKeys(name)[1]!)));
        expect(left.filter((n) => n === 1)).toHaveLength(0);
      }, LOST_TTL_MS + 15_000);
      console.log(`redis stall: the ${LOST_GRANTS} lost grants (TTL ${LOST_TTL_MS} ms) were gone ${Date.now() - resumedAt} ms after SIGCONT`);

      // The queues drain: every holder lets go and every waiting stream is granted.
      await inBatches(WAITERS, 200, (i) => unary.release({ name: holders[i]!.name, token: holders[i]!.token }));
      await eventually(() => expect(granted).toBe(WAITERS), 60_000);
      expect(failures).toEqual([]);
      const health = await healthMs(baton.url, 2000);
      expect(health).toBeDefined();
    });
  },
  "server",
);
