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
