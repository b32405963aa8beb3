import type { Build } from "./base-build.js";
import { batonDrivers, type ClientKind, type Target } from "./clients.js";
import type { DriverFactory } from "./drivers/driver.js";
import { etcdDrivers } from "./drivers/etcd.js";
import { goUncontended } from "./drivers/go.js";
import { pythonUncontended } from "./drivers/python.js";
import { startBenchEtcd } from "./etcd-process.js";
import { contended, idleWaiters, uncontended, type CpuProbe, type Row } from "./scenarios.js";
import { cpuMicros } from "./server-cpu.js";
import { startBenchServer, type BenchServer } from "./server-process.js";

/** What one run measures, the same for every combination. */
export interface Plan {
  seconds: number;
  /** Uncontended concurrencies (1, 16, 64). */
  uncontendedC: number[];
  /** Contended concurrencies (16). */
  contendedC: number[];
  /** Idle waiters for the memory scenario, 0 to skip it. */
  waiters: number;
  /** The store's name as BENCH_STORE gave it. */
  store: string;
  /** Flags for `baton serve` that pick the store (a fresh data dir on every call, for durable ones). */
  serverFlags: () => string[];
  instances: number;
}

/** One row of one repetition of one client against one server. */
export interface Measurement {
  client: ClientKind;
  store: string;
  /** "now", "base" or "etcd". */
  target: Target["label"];
  repetition: number;
  row: Row;
}

/**
 * Measures client `kind` against `target` on fresh servers (Baton from the target's checkout, or
 * etcd), so no run inherits another's heap or queues: uncontended at each C, contended at each
 * C, and (TypeScript client only) idle waiters. Server CPU is read from /proc around each timed
 * part. The servers are stopped whatever happens.
 */
export async function runCombo(kind: ClientKind, target: Target, plan: Plan, repetition: number): Promise<Measurement[]> {
  const rows: Row[] = [];
  if (target.label === "etcd") {
    const etcd = await startBenchEtcd();
    try {
      await timedScenarios(etcdDrivers(etcd.target), () => cpuMicros([etcd.pid]), plan, rows);
    } finally {
      await etcd.stop();
    }
  } else {
    const servers: BenchServer[] = [];
    try {
      for (let i = 0; i < plan.instances; i++) servers.push(await startBenchServer([...plan.serverFlags(), "--max-queue", String(Math.max(plan.waiters, 1000) + 10)], target.dir));
      await batonScenarios(kind, target, servers, plan, rows);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  }
  return rows.map((row) => ({ client: kind, store: plan.store, target: target.label, repetition, row }));
}

async function batonScenarios(kind: ClientKind, build: Build, servers: BenchServer[], plan: Plan, rows: Row[]): Promise<void> {
  const cpu: CpuProbe = () => cpuMicros(servers.map((s) => s.pid));
  const url = (i: number): string => servers[i % servers.length]!.url;
  if (kind === "go" || kind === "python") {
    // The Go and Python benches measure in their own process; the server's CPU is read around
    // the child's whole life, divided by every cycle it served (one warm-up per worker included).
    const external = kind === "go" ? goUncontended : pythonUncontended;
    for (const c of plan.uncontendedC) {
      const start = cpu();
      const row = await external(url(0), c, plan.seconds * 1000);
      row.extra = { ...row.extra, serverCpuUsPerOp: (cpu() - start) / (row.extra?.cycles ?? Number.NaN) };
      rows.push(row);
    }
    return;
  }
  const make = await batonDrivers(kind, build, url);
  await timedScenarios(make, cpu, plan, rows);
  if (plan.waiters > 0 && (kind === "ts" || kind === "connect-unary")) {
    // TypeScript client: waiters are acquires spread over 100 clients (100 session streams);
    // connect-unary: each is its own Wait stream, all on one HTTP/2 connection.
    const clients = kind === "ts" ? 100 : 1;
    const label = kind === "ts" ? `acquires on ${clients} clients` : "Wait streams on 1 connection";
    rows.push(await idleWaiters(servers[0]!, (i) => make(i * servers.length), plan.waiters, clients, label));
  }
}

async function timedScenarios(make: DriverFactory, cpu: CpuProbe, plan: Plan, rows: Row[]): Promise<void> {
  for (const c of plan.uncontendedC) rows.push(await uncontended(make, c, plan.seconds * 1000, cpu));
  for (const c of plan.contendedC) rows.push(await contended(make, c, plan.seconds * 1000, cpu));
}
