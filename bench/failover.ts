import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createBatonClient, type Leader } from "../src/client/index.js";
import { startBenchRedis, type BenchRedis } from "./redis.js";
import { startBenchServer } from "./server-process.js";
import { fmt, percentile } from "./stats.js";

/**
 * Failover time of an election (not a test; figures, never pass/fail): a leader runs in its own
 * process, a standby candidate waits in the queue, an observer watches; the bench ends the
 * leader's process and measures, on this process's clock, the time from ending it to the
 * observer being told that the standby leads. Build and run:
 *
 *   npm run build && npx tsc -p tsconfig.bench.json && node dist-bench/bench/failover.js
 *
 * Environment: FAILOVER_RUNS (per mode, default 30); FAILOVER_MODES (comma-separated of
 * "stream-kill", "session-kill", "resign"; default all); FAILOVER_SESSION_TTL_MS (the leader's
 * session TTL in session-kill, default 2000); BENCH_STORE ("memory", default, or "redis": a
 * redis-server the bench starts).
 * - stream-kill: the leader campaigns on a Wait stream with hold, and is SIGKILLed: the kernel
 *   closes its connection, the server ends the stream and hands leadership on at once.
 * - session-kill: the leader campaigns on its session, and is SIGKILLed: a broken session keeps
 *   its leases for its TTL after its last message (so a client that reconnects keeps them), so
 *   failover takes up to the session TTL.
 * - resign: the leader campaigns on its session and shuts down gracefully: resigns, then exits.
 */
const MODES = ["stream-kill", "session-kill", "resign"] as const;
type Mode = (typeof MODES)[number];

const LEADER_SCRIPT = fileURLToPath(new URL("./failover-leader.js", import.meta.url));

async function main(): Promise<void> {
  const runs = Number(process.env.FAILOVER_RUNS ?? 30);
  const modes = (process.env.FAILOVER_MODES ?? MODES.join(",")).split(",") as Mode[];
  const sessionTtlMs = Number(process.env.FAILOVER_SESSION_TTL_MS ?? 2000);
  const store = process.env.BENCH_STORE ?? "memory";
  let redis: BenchRedis | undefined;
  if (store === "redis") redis = await startBenchRedis();
  const server = await startBenchServer(redis === undefined ? ["--store", "memory"] : ["--store", redis.url]);
  console.log(`server ${server.url}, store ${store}, ${runs} runs per mode, leader session TTL ${sessionTtlMs} ms (session-kill)\n`);
  const rows: string[] = [];
  try {
    for (const mode of modes) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await oneFailover(server.url, `bench/failover/${mode}/${Date.now().toString(36)}-${i}`, mode, sessionTtlMs));
      rows.push(`${mode.padEnd(13)} ${fmt(percentile(times, 50)).padStart(8)} ${fmt(percentile(times, 99)).padStart(8)} ${fmt(Math.max(...times)).padStart(8)}`);
      console.log(rows.at(-1));
    }
  } finally {
    await server.stop();
    await redis?.stop();
  }
  console.log(`\nfailover, leader's end -> observer told of the new leader (ms):\nmode               p50      p99      max\n${rows.join("\n")}`);
}

/** One failover: returns the milliseconds from ending the leader to the observer's news. */
async function oneFailover(url: string, name: string, mode: Mode, sessionTtlMs: number): Promise<number> {
  const observerClient = createBatonClient(url, { transport: "connect", httpVersion: "2", owner: "observer" });
  const standby = createBatonClient(url, { transport: "connect", httpVersion: "2", owner: "standby" });
  const leader = spawn(process.execPath, [LEADER_SCRIPT, url, name, mode === "stream-kill" ? "stream" : mode === "resign" ? "resign" : "session", String(sessionTtlMs)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const stop = new AbortController();
  try {
    await lineFrom(leader, /^leading \d+/);
    let newsAt = 0;
    let told!: () => void;
    const news = new Promise<void>((resolve) => (told = resolve));
    const observing = (async () => {
      for await (const current of observerClient.observe(name, { signal: stop.signal })) {
        if (isStandby(current)) {
          newsAt = performance.now();
          told();
        }
      }
    })().catch(() => undefined);
    const standing = standby.campaign(name, { value: "standby" });
    // The standby must be queued before the leader ends, or the bench would time its queueing.
    while ((await standby.describe(name)).waiters.length === 0) await new Promise((r) => setTimeout(r, 5));
    const endedAt = performance.now();
    if (mode === "resign") leader.stdin!.write("resign\n");
    else leader.kill("SIGKILL");
    await news;
    await standby.resign(await standing);
    stop.abort();
    await observing;
    return newsAt - endedAt;
  } finally {
    stop.abort();
    leader.kill("SIGKILL");
    observerClient.close();
    standby.close();
  }
}

function isStandby(leader: Leader | null): boolean {
  return leader !== null && leader.owner === "standby";
}

/** Resolves once the child prints a line matching `pattern`; rejects if it exits first. */
function lineFrom(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) resolve(line);
    });
    child.once("exit", (code) => reject(new Error(`the leader process exited with ${code} before leading`)));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
