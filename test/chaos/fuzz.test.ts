import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { redisMode } from "../helpers/redis-server.js";
import { fixedCases, hugeTimeoutChecks } from "./fuzz/fixed.js";
import { campaign } from "./fuzz/campaign.js";
import { Rng, runSeed } from "./fuzz/rng.js";
import { sendCase, type FuzzCase } from "./fuzz/send.js";
import { BatonProcess } from "./lib/baton-process.js";
import { scale, timeoutFor } from "./lib/mode.js";
import { RedisProcess } from "./lib/redis-process.js";
import { Run } from "./lib/run.js";
import { sleep } from "./lib/specs.js";
import { acquireReleaseWorks, drained, rendezvousLeftovers } from "./lib/state.js";

// A fuzzer over every endpoint and protocol (see fuzz/generate.ts), then a check that the
// server's state is intact. A crash is bisected: the cases in flight are replayed one at a time
// on a restarted server until one of them ends it again, and that case is the reproduction.

const CONCURRENCY = 24;
const stores = redisMode === "server" ? (["memory", "redis"] as const) : (["memory"] as const);
const CASES = { memory: scale(2000, 30_000), redis: scale(800, 10_000) };
// A crash costs a restart (and, for the first few, a bisection): cap both, and the time.
const BUDGET_MS = scale(15_000, 180_000);
const MAX_CRASHES = 30;
const BISECTS = 8;
// Short leases and waits, so anything the fuzzer took is gone by the time state is checked:
// WebMutex grabs and Locker locks, which never expire by default (as in the originals), too.
const CONFIG = join(mkdtempSync(join(tmpdir(), "baton-fuzz-")), "baton.yaml");
writeFileSync(CONFIG, "compat:\n  webmutex:\n    grabTtl: 1s\n  locker:\n    ttl: 1s\n");
const ARGS = ["--config", CONFIG, "--max-ttl", "2s", "--default-ttl", "1s", "--min-ttl", "50ms", "--max-wait", "5s", "--session-ttl", "500ms"];

describe.each(stores)("chaos: fuzzing every endpoint and protocol (%s store)", (store) => {
  it(
    "survives every request, answers bad input with a client error, and is intact afterwards",
    async () => {
      const seed = runSeed();
      const run = new Run(`fuzz (${store}, seed ${seed})`, { recoveryBoundMs: 5000 });
      const redis = store === "redis" ? await RedisProcess.start(false) : undefined;
      const server = await BatonProcess.start(`baton-fuzz-${store}`, ["--store", redis?.url ?? "memory", ...ARGS]);
      run.servers.push(server);
      const statuses = new Map<string, number>();
      const count = (c: FuzzCase, status: number | undefined): void => {
        const key = `${status ?? "none"} ${c.label.split(" ")[0]}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      };
      try {
        await run.guard(async () => {
          for (const c of fixedCases()) {
            const r = await sendCase(server.url, c);
            run.fuzzed++;
            await sleep(100);
            const problem = server.alive() ? c.expect?.(r) : "the server died";
            if (problem !== undefined) run.problem(`${c.label}: ${problem}`);
            if (!server.alive()) await server.restart();
          }
          for (const p of await hugeTimeoutChecks(server.url, "fuzz/fixed/")) run.problem(p);
          run.fuzzed += 5;
          const result = await campaign(server, new Rng(seed), { cases: CASES[store], budgetMs: BUDGET_MS, concurrency: CONCURRENCY, maxCrashes: MAX_CRASHES, bisects: BISECTS }, (c, r) =>
            count(c, r.status),
          );
          run.fuzzed += result.sent;
          if (result.crashes >= MAX_CRASHES) run.problem(`the fuzz stopped after ${MAX_CRASHES} crashes (${run.fuzzed} requests sent)`);
          for (const [label, { count: n, example }] of result.culprits) run.problem(`a crash ×${n} by [${label}]: ${example}`);
          await sleep(2500);
          run.problem(server.alive() ? undefined : "the server is not running after the fuzz");
          const health = await server.health();
          if (health !== 200) run.problem(`/healthz answered ${health} after the fuzz`);
          run.problem(await acquireReleaseWorks(server.url, "chaos/after-fuzz", 1000));
          run.problem(await drained(server.url, "", 5000));
          run.problem(await rendezvousLeftovers(server.url, ""));
          for (const [line, n] of server.unexpectedLogs) run.problem(`the server logged ${n}× "${line}"`);
        });
      } finally {
        await server.stop();
        await redis?.dispose();
      }
      const summary = [...statuses].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${n}`);
      console.log(`fuzz (${store}): answers by status and kind: ${summary.join(", ")}`);
      expect(run.finish().problems).toEqual([]);
    },
    timeoutFor(BUDGET_MS + MAX_CRASHES * 2000 + 20_000),
  );
});
