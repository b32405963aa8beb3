import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { baseBuild, nowBuild } from "./base-build.js";
import { CLIENT_LABELS, parseClients, targetsOf } from "./clients.js";
import { runCombo, type Measurement, type Plan } from "./combos.js";
import { summarize } from "./medians.js";
import { startBenchRedis, type BenchRedis } from "./redis.js";
import { resultsTable } from "./report.js";
import { fmt } from "./stats.js";
import { judge, targetsTable } from "./targets.js";

/**
 * `npm run bench`: every client of BENCH_CLIENT against this checkout and the previous main (a
 * base build in a git worktree under /tmp), and etcd, on fresh servers, in one run; repetitions
 * interleaved; prints the medians side by side and the targets of issue 11, and writes
 * bench/results/<BENCH_OUT or latest>.json. Figures, never pass/fail. Environment (docs/benchmarks.md):
 * - BENCH_CLIENT: comma-separated clients (default ts,ts-grpc,grpc,go,python,etcd; also connect-unary);
 * - BENCH_BASE: the base commit (default 20eecae), or "none" for no base column;
 * - BENCH_REPEAT: interleaved repetitions (default 1); BENCH_SECONDS: each timed run (default 5);
 * - BENCH_ONLY: subset of "uncontended,contended,idle"; BENCH_WAITERS: idle waiters (default 10000);
 * - BENCH_STORE: memory (default), durable, durable-relaxed, redis (started by the bench) or a
 *   redis:// URL; BENCH_INSTANCES: Baton servers sharing it (2+ needs Redis);
 * - BENCH_SERVER_FLAGS: Node flags for Baton servers (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
async function main(): Promise<void> {
  const repeat = Number(process.env.BENCH_REPEAT ?? 1);
  const only = new Set((process.env.BENCH_ONLY ?? "uncontended,contended,idle").split(","));
  const clients = parseClients(process.env.BENCH_CLIENT);
  const store = process.env.BENCH_STORE ?? "memory";
  const instances = Number(process.env.BENCH_INSTANCES ?? 1);
  if (instances > 1 && !store.startsWith("redis")) throw new Error("BENCH_INSTANCES > 1 needs a shared store: BENCH_STORE=redis");
  const [now, base] = [await nowBuild(), await baseBuild()];
  const redis: BenchRedis | undefined = store === "redis" ? await startBenchRedis() : undefined;
  const dataDirs: string[] = [];
  const plan: Plan = {
    seconds: Number(process.env.BENCH_SECONDS ?? 5),
    uncontendedC: only.has("uncontended") ? [1, 16, 64] : [],
    contendedC: only.has("contended") ? [16] : [],
    waiters: only.has("idle") ? Number(process.env.BENCH_WAITERS ?? 10_000) : 0,
    storeFlags: storeFlags(store, redis, dataDirs),
    instances,
  };

  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
  const header = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    connect: pkg.dependencies["@connectrpc/connect-node"],
    now: now.commit,
    base: base?.commit ?? "none",
    store: store === "redis" ? "redis (started by the bench)" : store,
    instances,
    clients: clients.join(","),
    repetitions: repeat,
    secondsPerRun: plan.seconds,
    // The machine is shared: the 1/5/15-minute load average says how much else was running.
    loadAverage: loadavg().map((l) => l.toFixed(2)).join(" "),
  };
  console.log(Object.entries(header).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n");

  const measurements: Measurement[] = [];
  try {
    for (let rep = 1; rep <= repeat; rep++) {
      for (const client of clients) {
        // Alternate which build goes first, so neither always runs on a warmer (or hotter) machine.
        const targets = targetsOf(client, now, base);
        if (rep % 2 === 0) targets.reverse();
        for (const target of targets) {
          const got = await runCombo(client, target, plan, rep);
          measurements.push(...got);
          for (const m of got) console.log(`[${rep}/${repeat}] ${CLIENT_LABELS[client]} → ${target.label}: ${m.row.scenario} C=${m.row.clients}: ${fmt(m.row.throughputPerS)}/s, p50 ${fmt(m.row.p50Ms)} ms, p99 ${fmt(m.row.p99Ms)} ms, server ${fmt(m.row.extra?.serverCpuUsPerOp ?? Number.NaN)} µs/op; ${m.row.note}`);
        }
      }
    }
  } finally {
    await redis?.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
  header.loadAverage += ` → ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;
  const summaries = summarize(measurements);
  const baseLabel = base === undefined ? "base (none)" : `base ${base.commit.slice(0, 7)}`;
  const verdicts = judge(summaries, plan);
  console.log(`\nload average before → after: ${header.loadAverage}\nmedians of ${repeat} interleaved repetition(s), ${plan.seconds} s each:\n`);
  console.log(resultsTable(summaries, clients, plan, baseLabel));
  console.log(`\ntargets:\n\n${targetsTable(verdicts)}`);
  const out = `bench/results/${process.env.BENCH_OUT ?? "latest"}.json`;
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(out, JSON.stringify({ header, summaries, verdicts, measurements }, null, 2));
  console.log(`\nwritten to ${out}`);
}

/** The `baton serve` flags that select the store of BENCH_STORE. */
function storeFlags(store: string, redis: BenchRedis | undefined, dataDirs: string[]): string[] {
  if (store === "redis") return ["--store", redis!.url];
  if (store === "durable" || store === "durable-relaxed") {
    const dir = mkdtempSync(join(tmpdir(), "baton-bench-"));
    dataDirs.push(dir);
    return ["--store", "durable", "--data-dir", dir, "--durability", store === "durable" ? "full" : "relaxed"];
  }
  return ["--store", store];
}

await main();
