import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { LockService } from "../src/gen/baton/v1/lock_pb.js";
import { elapsedMs, percentile } from "./stats.js";
import type { BenchServer } from "./server-process.js";

/** One row of the results table. */
export interface Row {
  scenario: string;
  clients: number;
  throughputPerS: number;
  p50Ms: number;
  p99Ms: number;
  note: string;
}

/** A LockService client over HTTP/2 with binary Connect, as the TypeScript client uses it. */
function client(url: string): Client<typeof LockService> {
  return createClient(LockService, createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true }));
}

/** C clients, each looping acquire → release on its own lock for `durationMs`. */
export async function uncontended(server: BenchServer, clients: number, durationMs: number): Promise<Row> {
  const latencies: number[] = [];
  const until = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const c = client(server.url);
      const name = `bench/own-${i}`;
      while (Date.now() < until) {
        const start = process.hrtime.bigint();
        const { lease } = await c.acquire({ name, owner: "bench" });
        await c.release({ name, token: lease!.token });
        latencies.push(elapsedMs(start));
      }
    }),
  );
  return {
    scenario: "uncontended acquire→release",
    clients,
    throughputPerS: latencies.length / (durationMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    note: "cycles/s; latency of one cycle",
  };
}

/**
 * C clients on one lock. Hand-off latency runs from the holder calling release to the next
 * holder's acquire returning; a shared counter reports any overlap of holders.
 */
export async function contended(server: BenchServer, clients: number, durationMs: number): Promise<Row> {
  const handoffs: number[] = [];
  let grants = 0;
  let inside = 0;
  let violations = 0;
  let releaseStartedAt: bigint | undefined;
  const until = Date.now() + durationMs;
  const name = `bench/contended-${clients}`;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = client(server.url);
      while (Date.now() < until) {
        const { lease } = await c.acquire({ name, owner: "bench", waitMs: 60_000n });
        if (releaseStartedAt !== undefined) handoffs.push(elapsedMs(releaseStartedAt));
        grants++;
        if (++inside > 1) violations++;
        inside--;
        releaseStartedAt = process.hrtime.bigint();
        await c.release({ name, token: lease!.token });
      }
    }),
  );
  return {
    scenario: "contended, one lock",
    clients,
    throughputPerS: grants / (durationMs / 1000),
    p50Ms: percentile(handoffs, 50),
    p99Ms: percentile(handoffs, 99),
    note: `grants/s; hand-off latency; overlaps: ${violations}`,
  };
}

/** N idle Wait streams queued on one lock: memory per stream, time to open, head hand-off latency. */
export async function idleStreams(server: BenchServer, streams: number): Promise<Row[]> {
  const c = client(server.url);
  const name = "bench/idle";
  const { lease } = await c.acquire({ name, owner: "holder", ttlMs: 3_600_000n });
  const before = await server.memory();
  const ctl = new AbortController();
  let queued = 0;
  const grants: Array<() => void> = [];
  const openStart = process.hrtime.bigint();
  const all = Array.from({ length: streams }, async (_, i) => {
    try {
      for await (const e of c.wait({ name, owner: `w${i}` }, { signal: ctl.signal })) {
        if (e.event.case === "queued" && e.event.value.position === i + 1) queued++;
        if (e.event.case === "granted") grants[i]?.();
      }
    } catch {
      /* aborted at the end */
    }
  });
  while ((await c.describe({ name })).lock!.waiters.length < streams) await new Promise((r) => setTimeout(r, 100));
  const openMs = elapsedMs(openStart);
  const after = await server.memory();
  const granted = new Promise<void>((resolve) => (grants[0] = resolve));
  const start = process.hrtime.bigint();
  await c.release({ name, token: lease!.token });
  await granted;
  const headMs = elapsedMs(start);
  ctl.abort();
  await Promise.all(all);
  return [
    {
      scenario: `${streams} idle Wait streams`,
      clients: streams,
      throughputPerS: streams / (openMs / 1000),
      p50Ms: headMs,
      p99Ms: Number.NaN,
      note:
        `streams opened/s; p50 = release→grant at the head; ` +
        `heap/stream ${((after.heapUsed - before.heapUsed) / streams / 1024).toFixed(1)} KiB, ` +
        `RSS/stream ${((after.rss - before.rss) / streams / 1024).toFixed(1)} KiB (${queued} in order)`,
    },
  ];
}
