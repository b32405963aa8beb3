/**
 * The cost of metrics on the grant path: acquire+release cycles against two in-process servers
 * (memory store), one with metrics off and one on, in alternating rounds so that both see the
 * same machine load. Prints cycles/s of each and their ratio, and the CPU time per cycle (client
 * and server together, this process only), which a busy machine disturbs less than wall time. Run: npx tsx scripts/measure-metrics-cost.ts [cycles]
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { DEFAULT_CONFIG, type Config } from "../src/config.js";
import { LockService } from "../src/gen/baton/lock/v1/lock_service_pb.js";
import { buildApp } from "../src/server/app.js";
import { LockEngine } from "../src/engine/lock-engine.js";
import { MemoryStore } from "../src/store/memory/memory-store.js";
import { BatonMetrics } from "../src/server/metrics/metrics.js";
import { LockEventMetrics } from "../src/server/metrics/lock-events.js";
import { timedStore } from "../src/server/metrics/timed-store.js";
import { callMetrics } from "../src/server/metrics/call-metrics.js";

const cycles = Number(process.argv[2] ?? 4000);
const rounds = 8;
const concurrency = 8;

async function server(metrics: boolean) {
  const config: Config = { ...DEFAULT_CONFIG, store: "memory", port: 0, metrics };
  const app = await buildApp(config, () => undefined);
  const url = await app.listen();
  const client = createClient(LockService, createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true }));
  return { app, client };
}

/** The last run's CPU time per cycle, in microseconds. */
let cpuPerCycleUs = 0;

async function run(client: Awaited<ReturnType<typeof server>>["client"], n: number, tag: string): Promise<number> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < n) {
        next++;
        const name = `cost/${tag}/${worker}`;
        const { lease } = await client.acquire({ name, owner: "bench" });
        await client.release({ name, token: lease!.token });
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  cpuPerCycleUs = (used.user + used.system) / n;
  return n / ((performance.now() - start) / 1000);
}

const off = await server(false);
const on = await server(true);
await run(off.client, 500, "warm");
await run(on.client, 500, "warm");
const rates = { off: [] as number[], on: [] as number[] };
const cpus = { off: [] as number[], on: [] as number[] };
for (let i = 0; i < rounds; i++) {
  const order: Array<"off" | "on"> = i % 2 === 0 ? ["off", "on"] : ["on", "off"];
  for (const which of order) {
    rates[which].push(await run((which === "off" ? off : on).client, Math.round(cycles / rounds), which));
    cpus[which].push(cpuPerCycleUs);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const offRate = median(rates.off);
const onRate = median(rates.on);
console.log(`cycles/s (median of ${rounds} rounds of ${Math.round(cycles / rounds)}, ${concurrency} concurrent): off ${offRate.toFixed(0)}, on ${onRate.toFixed(0)}, on/off ${(onRate / offRate).toFixed(3)}`);
const offCpu = median(cpus.off);
const onCpu = median(cpus.on);
console.log(`CPU per cycle (median): off ${offCpu.toFixed(0)} µs, on ${onCpu.toFixed(0)} µs, on/off ${(onCpu / offCpu).toFixed(3)}`);
await Promise.all([off.app.close(), on.app.close()]);

// The same cycles without sockets or clients: the engine on a memory store, bare or with every
// metrics instrument a cycle touches (timed store, lock events, two call records), so the cost of
// metrics is not lost in the noise of the network path.
async function engineRate(withMetrics: boolean, n: number): Promise<number> {
  const store = new MemoryStore();
  const metrics = withMetrics ? new BatonMetrics({ processMetrics: false }) : undefined;
  if (metrics !== undefined) new LockEventMetrics(store, metrics);
  const calls = metrics === undefined ? undefined : callMetrics(metrics);
  const engine = new LockEngine(metrics === undefined ? store : timedStore(store, metrics), DEFAULT_CONFIG, () => undefined);
  const signal = new AbortController().signal;
  const record = { service: "baton.lock.v1.LockService", method: "Acquire", protocol: "connect", streaming: false, requestId: "r", startedAt: 0 };
  const outcome = { code: "ok", error: undefined, durationMs: 1, opened: false };
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const lease = await engine.acquire({ name: "engine-cost", owner: "o", waitUpToMs: 0 }, signal);
    await engine.release(lease.name, lease.token);
    calls?.finished(record, outcome);
    calls?.finished(record, outcome);
  }
  const rate = n / ((performance.now() - start) / 1000);
  await engine.close();
  return rate;
}
const engineRates = { off: [] as number[], on: [] as number[] };
for (let i = 0; i < rounds; i++) {
  engineRates.off.push(await engineRate(false, 20_000));
  engineRates.on.push(await engineRate(true, 20_000));
}
const eOff = median(engineRates.off);
const eOn = median(engineRates.on);
console.log(`engine only, cycles/s (median of ${rounds} rounds of 20000): off ${eOff.toFixed(0)}, on ${eOn.toFixed(0)}, on/off ${(eOn / eOff).toFixed(3)}; metrics add ${((1e6 / eOn - 1e6 / eOff)).toFixed(2)} µs per cycle`);
