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
 *   BENCH_C: the uncontended concurrencies (default 1,16,64; the targets need all three);
 * - BENCH_STORE: memory (default), durable, durable-relaxed, redis (started by the bench) or a
 *   redis:// URL, or a comma-separated list of them (one table each); BENCH_INSTANCES: Baton
 *   servers sharing it (2+ needs Redis);
 * - BENCH_SERVER_FLAGS: Node flags for Baton servers (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
async function main(): Promise<void> {
  const repeat = Number(process.env.BENCH_REPEAT ?? 1);
  const only = new Set((process.env.BENCH_ONLY ?? "uncontended,contended,idle").split(","));
  const clients = parseClients(process.env.BENCH_CLIENT);
  const stores = (process.env.BENCH_STORE ?? "memory").split(",").map((s) => s.trim());
  const instances = Number(process.env.BENCH_INSTANCES ?? 1);
  if (instances > 1 && stores.some((s) => !s.startsWith("redis"))) throw new Error("BENCH_INSTANCES > 1 needs a shared store: BENCH_STORE=redis");
  const [now, base] = [await nowBuild(), await baseBuild()];
  const redis: BenchRedis | undefined = stores.includes("redis") ? await startBenchRedis() : undefined;
  const dataDirs: string[] = [];
  const plans: Plan[] = stores.map((store) => ({
    seconds: Number(process.env.BENCH_SECONDS ?? 5),
    uncontendedC: only.has("uncontended") ? (process.env.BENCH_C ?? "1,16,64").split(",").map(Number) : [],
    contendedC: only.has("contended") ? [16] : [],
    waiters: only.has("idle") ? Number(process.env.BENCH_WAITERS ?? 10_000) : 0,
    store,
    serverFlags: () => storeFlags(store, redis, dataDirs),
    instances,
  }));

  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
  const header = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    connect: pkg.dependencies["@connectrpc/connect-node"],
    now: now.commit,
    base: base?.commit ?? "none",
    stores: stores.map((s) => (s === "redis" ? "redis (started by the bench)" : s)).join(", "),
    instances,
    clients: clients.join(","),
    repetitions: repeat,
    secondsPerRun: plans[0]!.seconds,
    // The machine is shared: the 1/5/15-minute load average says how much else was running.
    loadAverage: loadavg().map((l) => l.toFixed(2)).join(" "),
  };
  console.log(Object.entries(header).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n");

  const measurements: Measurement[] = [];
  const skipped: string[] = [];
  try {
    for (let rep = 1; rep <= repeat; rep++) {
      for (const plan of plans) {
        for (const client of clients) {
          // Alternate which build goes first, so neither always runs on a warmer (or hotter) machine.
          const targets = targetsOf(client, now, base);
          if (rep % 2 === 0) targets.reverse();
          for (const target of targets) {
            const what = `[${rep}/${repeat}] [${plan.store}] ${CLIENT_LABELS[client]} → ${target.label}`;
            try {
              const got = await runCombo(client, target, plan, rep);
              measurements.push(...got);
              for (const m of got) console.log(`${what}: ${m.row.scenario} C=${m.row.clients}: ${fmt(m.row.throughputPerS)}/s, p50 ${fmt(m.row.p50Ms)} ms, p99 ${fmt(m.row.p99Ms)} ms, server ${fmt(m.row.extra?.serverCpuUsPerOp ?? Number.NaN)} µs/op; ${m.row.note}`);
            } catch (error) {
              // One client or build that cannot run (a base without this store, no etcd here)
              // costs its own column, not the run.
              skipped.push(`${what}: ${String(error).split("\n")[0]}`);
              console.log(`${what}: skipped: ${String(error).split("\n")[0]}`);
            }
          }
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
  console.log(`\nload average before → after: ${header.loadAverage}\nmedians of ${repeat} interleaved repetition(s), ${plans[0]!.seconds} s each:`);
  for (const plan of plans) {
    console.log(`\n### ${plan.store} store\n\n${resultsTable(summaries.filter((s) => s.store === plan.store), clients, plan, baseLabel)}`);
  }
  // The targets are about the embedded (first) store.
  const verdicts = judge(summaries.filter((s) => s.store === plans[0]!.store), plans[0]!);
  console.log(`\ntargets (${plans[0]!.store} store):\n\n${targetsTable(verdicts)}`);
  if (skipped.length > 0) console.log(`\nskipped:\n${skipped.join("\n")}`);
  const out = `bench/results/${process.env.BENCH_OUT ?? "latest"}.json`;
  mkdirSync("bench/results", { recursive: true });
  const plansOut = plans.map(({ serverFlags: _, ...plan }) => plan);
  writeFileSync(out, JSON.stringify({ header, plans: plansOut, summaries, verdicts, skipped, measurements }, null, 2));
  console.log(`\nwritten to ${out}`);
}

/** The `baton serve` flags that select one store of BENCH_STORE (a fresh data dir per server). */
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
