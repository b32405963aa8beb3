import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { startBenchServer } from "./server-process.js";
import { contended, idleStreams, uncontended, type Row } from "./scenarios.js";
import { fmt } from "./stats.js";

/**
 * `npm run bench`: starts Baton in its own process and measures it; prints a table and writes
 * bench/results/latest.json. Figures, never pass/fail. BENCH_SECONDS sets each run's length,
 * BENCH_STREAMS the idle-stream count, BENCH_STORE a store URL (default: memory).
 */
async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const streams = Number(process.env.BENCH_STREAMS ?? 10_000);
  const store = process.env.BENCH_STORE ?? "memory";
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
  const header = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    connect: pkg.dependencies["@connectrpc/connect-node"],
    protobuf: pkg.dependencies["@bufbuild/protobuf"],
    store,
    secondsPerRun: seconds,
  };
  console.log(Object.entries(header).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n");
  const server = await startBenchServer(["--store", store, "--max-queue", String(streams + 10)]);
  const rows: Row[] = [];
  try {
    for (const c of [1, 16, 64]) rows.push(await uncontended(server, c, seconds * 1000));
    for (const c of [2, 16, 64]) rows.push(await contended(server, c, seconds * 1000));
    rows.push(...(await idleStreams(server, streams)));
  } finally {
    await server.stop();
  }
  const table = [
    "| scenario | clients | per second | p50 ms | p99 ms | note |",
    "|---|---:|---:|---:|---:|---|",
    ...rows.map((r) => `| ${r.scenario} | ${r.clients} | ${fmt(r.throughputPerS)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${r.note} |`),
  ].join("\n");
  console.log(table);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/latest.json", JSON.stringify({ header, rows }, null, 2));
  console.log("\nwritten to bench/results/latest.json");
}

await main();
