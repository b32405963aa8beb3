import { setMaxListeners } from "node:events";
import { elapsedMs, percentile } from "./stats.js";
import type { Driver, DriverFactory } from "./drivers/driver.js";
import type { BenchServer } from "./server-process.js";

/** One row of the results table. */
export interface Row {
  scenario: string;
  clients: number;
  throughputPerS: number;
  p50Ms: number;
  p99Ms: number;
  note: string;
  /** Extra figures for the JSON (memory per stream, …). */
  extra?: Record<string, number>;
}

/** Server CPU used so far, in µs (see server-cpu.ts); read around the timed part of a scenario. */
export type CpuProbe = () => number;

/** Server CPU µs per operation over a timed part that started when `cpuStart` was read. */
function cpuPerOp(cpu: CpuProbe | undefined, cpuStart: number, ops: number): Record<string, number> {
  return cpu === undefined || ops === 0 ? {} : { serverCpuUsPerOp: (cpu() - cpuStart) / ops };
}

/** C clients, each looping acquire → release on its own lock for `durationMs`. */
export async function uncontended(make: DriverFactory, clients: number, durationMs: number, cpu?: CpuProbe): Promise<Row> {
  const latencies: number[] = [];
  const drivers = Array.from({ length: clients }, (_, i) => make(i));
  // One warm-up cycle each, so connection setup is not measured.
  await Promise.all(drivers.map(async (d, i) => d.release(`bench/own-${i}`, await d.acquire(`bench/own-${i}`, 0))));
  const cpuStart = cpu?.() ?? 0;
  const until = Date.now() + durationMs;
  await Promise.all(
    drivers.map(async (d, i) => {
      const name = `bench/own-${i}`;
      while (Date.now() < until) {
        const start = process.hrtime.bigint();
        const token = await d.acquire(name, 0);
        await d.release(name, token);
        latencies.push(elapsedMs(start));
      }
    }),
  );
  const extra = cpuPerOp(cpu, cpuStart, latencies.length);
  for (const d of drivers) d.close();
  return {
    scenario: "uncontended acquire→release",
    clients,
    throughputPerS: latencies.length / (durationMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    note: "cycles/s; latency of one cycle",
    extra,
  };
}

/**
 * C clients on one lock. Hand-off latency runs from the holder calling release to the next
 * holder's acquire returning; a shared counter reports any overlap of holders.
 */
export async function contended(make: DriverFactory, clients: number, durationMs: number, cpu?: CpuProbe): Promise<Row> {
  const handoffs: number[] = [];
  let grants = 0;
  let inside = 0;
  let violations = 0;
  let releaseStartedAt: bigint | undefined;
  const name = `bench/contended-${clients}`;
  const drivers = Array.from({ length: clients }, (_, i) => make(i));
  await Promise.all(drivers.map(async (d) => d.release(`bench/warm-${clients}`, await d.acquire(`bench/warm-${clients}`, 60_000))));
  const cpuStart = cpu?.() ?? 0;
  const until = Date.now() + durationMs;
  await Promise.all(
    drivers.map(async (d) => {
      while (Date.now() < until) {
        const token = await d.acquire(name, 60_000);
        if (releaseStartedAt !== undefined) handoffs.push(elapsedMs(releaseStartedAt));
        releaseStartedAt = undefined;
        grants++;
        if (++inside > 1) violations++;
        // Hold across a turn of the event loop, so an overlapping grant would be seen.
        await new Promise((r) => setImmediate(r));
        inside--;
        releaseStartedAt = process.hrtime.bigint();
        await d.release(name, token);
      }
    }),
  );
  const cpuExtra = cpuPerOp(cpu, cpuStart, grants);
  for (const d of drivers) d.close();
  return {
    scenario: "contended, one lock",
    clients,
    throughputPerS: grants / (durationMs / 1000),
    p50Ms: percentile(handoffs, 50),
    p99Ms: percentile(handoffs, 99),
    note: `grants/s; hand-off latency; overlaps: ${violations}`,
    extra: { violations, ...cpuExtra },
  };
}

/**
 * N idle waiters queued on one lock, spread over `clients` clients: server memory per waiter,
 * time to open them, and release → grant latency at the head of the queue.
 */
export async function idleWaiters(server: BenchServer, make: DriverFactory, waiters: number, clients: number, label: string): Promise<Row> {
  const holder = make(0);
  const name = "bench/idle";
  // The holder must outlast the queueing of every waiter (over a minute for 100,000).
  const token = await holder.acquire(name, 0, undefined, undefined, 3_600_000);
  const drivers = Array.from({ length: clients }, (_, i) => make(i));
  // Warm each client up, so its connection is not counted per waiter.
  await Promise.all(drivers.map(async (d, i) => d.release(`bench/idle-warm-${i}`, await d.acquire(`bench/idle-warm-${i}`, 0))));
  const before = await server.memory();
  // With BENCH_HEAP_SNAPSHOT=1, one snapshot before the waiters and one with them, to diff.
  if (process.env.BENCH_HEAP_SNAPSHOT === "1") await heapSnapshot(server);
  const ctl = new AbortController();
  // Every waiter listens on this one signal, which ends them all at once: not a leak.
  setMaxListeners(0, ctl.signal);
  let inOrder = 0;
  let headGranted: () => void = () => {};
  const granted = new Promise<void>((resolve) => (headGranted = resolve));
  const openStart = process.hrtime.bigint();
  let joined = 0;
  const failures: string[] = [];
  let allJoined: () => void = () => {};
  const joinedAll = new Promise<void>((resolve) => (allJoined = resolve));
  const all: Promise<void>[] = [];
  for (let i = 0; i < waiters; i++) {
    let seen = false;
    const onQueued = (position: number): void => {
      if (!seen && ++joined === waiters) allJoined();
      if (!seen && position === i + 1) inOrder++;
      seen = true;
    };
    all.push(
      drivers[i % clients]!.acquire(name, 3_600_000, onQueued, ctl.signal).then(
        () => (i === 0 ? headGranted() : undefined),
        (error: unknown) => {
          if (ctl.signal.aborted) return;
          failures.push(String(error));
          if (!seen && ++joined === waiters) allJoined();
          seen = true;
        },
      ),
    );
    // Join in order, so the FIFO position of each is known.
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  // A waiter that never hears of its place would stall the run: give up after a minute (or
  // 2 ms per waiter, for runs of 100,000).
  await Promise.race([joinedAll, new Promise((r) => setTimeout(r, Math.max(60_000, waiters * 2)))]);
  if (joined < waiters) failures.push(`${waiters - joined} never reported a queue position`);
  const openMs = elapsedMs(openStart);
  const after = await server.memory();
  if (process.env.BENCH_HEAP_SNAPSHOT === "1") await heapSnapshot(server);
  const start = process.hrtime.bigint();
  await holder.release(name, token);
  await granted;
  const headMs = elapsedMs(start);
  ctl.abort();
  await Promise.all(all);
  for (const d of [holder, ...drivers]) d.close();
  const heapKiB = (after.heapUsed - before.heapUsed) / waiters / 1024;
  const rssKiB = (after.rss - before.rss) / waiters / 1024;
  return {
    scenario: `${waiters} idle waiters (${label})`,
    clients: waiters,
    throughputPerS: waiters / (openMs / 1000),
    p50Ms: headMs,
    p99Ms: Number.NaN,
    note:
      `waiters opened/s; p50 = release→grant at the head; ` +
      `heap/waiter ${heapKiB.toFixed(2)} KiB, RSS/waiter ${rssKiB.toFixed(2)} KiB (${inOrder} first positions in order` +
      (failures.length > 0 ? `; ${failures.length} failed to queue, e.g. ${failures[0]}` : "") +
      ")",
    extra: { heapKiBPerWaiter: heapKiB, rssKiBPerWaiter: rssKiB, openMs, headMs },
  };
}

/**
 * Asks the server for a heap snapshot. It was started with --heapsnapshot-signal=SIGUSR2 (see
 * docs/benchmarks.md) and writes Heap.*.heapsnapshot into its working directory; the memory route
 * answers only once the snapshot is written, as both run on the server's one thread.
 */
async function heapSnapshot(server: BenchServer): Promise<void> {
  process.kill(server.pid, "SIGUSR2");
  await server.memory();
}
