import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { driver, type DriverKind } from "./drivers.js";
import { startBenchRedis, type BenchRedis } from "./redis.js";
import { pythonUncontended } from "./python-client.js";
import { startBenchServer, type BenchServer } from "./server-process.js";
import { contended, idleWaiters, uncontended, type DriverFactory, type Row } from "./scenarios.js";
import { fmt } from "./stats.js";

/**
 * `npm run bench`: starts Baton in its own process(es) and measures it; prints a table and writes
 * bench/results/<BENCH_OUT or latest>.json. Figures, never pass/fail. Environment:
 * - BENCH_SECONDS: length of each timed run (default 5);
 * - BENCH_WAITERS: idle waiters in the memory scenario (default 10000);
 * - BENCH_STORE: "memory" (default), "durable" (the LMDB store in a fresh temp data dir, full
 *   durability), "durable-relaxed", "redis" (a redis-server the bench starts on a free port in a
 *   temp dir), or a redis:// URL of a Redis the bench may write to; a comma-separated list runs
 *   each in turn in the same run (e.g. memory,durable,redis), one table;
 * - BENCH_INSTANCES: Baton servers sharing the store (default 1; 2 needs Redis); clients
 *   alternate between them, so contended clients hand the lock across instances;
 * - BENCH_CLIENT: "client" (default: the TypeScript client over HTTP/2, which uses the session
 *   stream), "unary" (raw Acquire/Release/Wait calls, as before the session stream), or "python"
 *   (the Python client's clients/python/bench.py; uncontended only);
 * - BENCH_ONLY: comma-separated subset of "uncontended,contended,idle";
 */
async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const waiters = Number(process.env.BENCH_WAITERS ?? 10_000);
  const instances = Number(process.env.BENCH_INSTANCES ?? 1);
  const kind = (process.env.BENCH_CLIENT ?? "client") as DriverKind | "python";
  if (kind !== "client" && kind !== "unary" && kind !== "python") throw new Error(`BENCH_CLIENT must be "client", "unary" or "python" (got ${kind})`);
  const only = new Set((process.env.BENCH_ONLY ?? "uncontended,contended,idle").split(","));
  let redis: BenchRedis | undefined;
  const stores = (process.env.BENCH_STORE ?? "memory").split(",").map((s) => s.trim());
  if (stores.includes("redis")) redis = await startBenchRedis();
  if (instances > 1 && stores.some((s) => !s.startsWith("redis"))) throw new Error("BENCH_INSTANCES > 1 needs a shared store: BENCH_STORE=redis");

  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
  const header = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    connect: pkg.dependencies["@connectrpc/connect-node"],
    protobuf: pkg.dependencies["@bufbuild/protobuf"],
    store: stores.map((s) => (s === "redis" ? "redis (started by the bench)" : s)).join(", "),
    instances,
    client: kind,
    server: "baton serve",
    secondsPerRun: seconds,
    // The machine is shared: the 1/5/15-minute load average says how much else was running.
    loadAverage: loadavg().map((l) => l.toFixed(2)).join(" "),
  };
  console.log(Object.entries(header).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n");

  const rows: Row[] = [];
  const dataDirs: string[] = [];
  try {
    for (const store of stores) {
      const flags = storeFlags(store, redis, dataDirs);
      const servers: BenchServer[] = [];
      try {
        for (let i = 0; i < instances; i++) servers.push(await startBenchServer([...flags, "--max-queue", String(waiters + 10)]));
        const before = rows.length;
        await scenarios(servers, only, kind, seconds, waiters, rows);
        for (const row of rows.slice(before)) row.scenario = stores.length > 1 ? `[${store}] ${row.scenario}` : row.scenario;
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
      // The durable store says at shutdown how many operations its flushes carried.
      const commits = servers.map((s) => /durable store: .*/.exec(s.stderr())?.[0]).filter((l) => l !== undefined);
      if (commits.length > 0) console.log(`${store}: ${commits.join("; ")}`);
    }
  } finally {
    await redis?.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
  header.loadAverage += ` → ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;
  const table = [
    `load average before → after: ${header.loadAverage}`,
    "",
    "| scenario | clients | per second | p50 ms | p99 ms | note |",
    "|---|---:|---:|---:|---:|---|",
    ...rows.map((r) => `| ${r.scenario} | ${r.clients} | ${fmt(r.throughputPerS)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${r.note} |`),
  ].join("\n");
  console.log(table);
  const out = `bench/results/${process.env.BENCH_OUT ?? "latest"}.json`;
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(out, JSON.stringify({ header, rows }, null, 2));
  console.log(`\nwritten to ${out}`);
}

/** The `baton serve` flags that select one store of BENCH_STORE. */
function storeFlags(store: string, redis: BenchRedis | undefined, dataDirs: string[]): string[] {
  if (store === "redis") return ["--store", redis!.url];
  if (store === "durable" || store === "durable-relaxed") {
    const dir = mkdtempSync(join(tmpdir(), "baton-bench-"));
    dataDirs.push(dir);
    return ["--store", "durable", "--data-dir", dir, "--durability", store === "durable" ? "full" : "relaxed"];
  }
  return ["--store", store];
}

/** Runs the chosen scenarios against one set of servers. */
async function scenarios(servers: BenchServer[], only: Set<string>, kind: DriverKind | "python", seconds: number, waiters: number, rows: Row[]): Promise<void> {
  if (kind === "python") {
    if (only.has("uncontended")) for (const c of [1, 16, 64]) rows.push(await pythonUncontended(servers[0]!.url, c, seconds * 1000));
    return;
  }
  const make: DriverFactory = (i) => driver(kind, servers[i % servers.length]!.url);
  if (only.has("uncontended")) for (const c of [1, 16, 64]) rows.push(await uncontended(make, c, seconds * 1000));
  if (only.has("contended")) for (const c of [2, 16, 64]) rows.push(await contended(make, c, seconds * 1000));
  if (only.has("idle")) {
    // Unary: every waiter is its own Wait stream, all on one HTTP/2 connection. Client: waiters
    // are acquires spread over 100 clients (100 session streams).
    const clients = kind === "unary" ? 1 : 100;
    const label = kind === "unary" ? "Wait streams on 1 connection" : `acquires on ${clients} clients`;
    rows.push(await idleWaiters(servers[0]!, () => driver(kind, servers[0]!.url), waiters, clients, label));
  }
}

await main();
