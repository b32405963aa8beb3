import { describe, expect, it } from "vitest";
import { redisMode } from "../helpers/redis-server.js";
import { BatonProcess } from "./lib/baton-process.js";
import { runBurst, type Burst } from "./lib/bursts.js";
import { CANCEL_KINDS, RAW_KINDS, RAW_TTL_MS, cancelRaces } from "./lib/cancel-race.js";
import { scale, timeoutFor } from "./lib/mode.js";
import { RedisProcess } from "./lib/redis-process.js";
import { Run } from "./lib/run.js";
import { runPrefix, sleep, workerSpecs } from "./lib/specs.js";
import { acquireReleaseWorks, drained, listLocks } from "./lib/state.js";

// Abrupt disconnects while queued and while holding (TCP RST of the connection, RST_STREAM of
// the call), and acquires cancelled just as they are granted, on the memory store and on Redis
// (where an acquire waits on a Redis round trip, so a cancel lands in between).

// Raw victims ping every 300 ms; a TTL well above that keeps a busy machine from ending them early.
const SESSION_TTL_MS = 3000;
const BURSTS: Burst[] = [
  { victim: "wait-hold", cut: "socket-rst", when: "queued" },
  { victim: "wait-hold", cut: "rst-stream", when: "queued" },
  { victim: "wait-hold", cut: "socket-rst", when: "holding" },
  { victim: "wait-hold", cut: "rst-stream", when: "holding" },
  { victim: "session", cut: "socket-rst", when: "queued" },
  { victim: "session", cut: "rst-stream", when: "queued" },
  { victim: "session", cut: "socket-rst", when: "holding" },
  { victim: "session", cut: "rst-stream", when: "holding" },
  { victim: "unary-json", cut: "socket-rst", when: "queued" },
];
const ROUNDS = scale(1, 5);
const RACES = scale(20, 200);
const stores = redisMode === "server" ? (["memory", "redis"] as const) : (["memory"] as const);

/** A Baton on the given store (and its Redis), torn down by `stop`. */
async function startOn(store: "memory" | "redis"): Promise<{ server: BatonProcess; stop(): Promise<void> }> {
  const redis = store === "redis" ? await RedisProcess.start(false) : undefined;
  const server = await BatonProcess.start(`baton-${store}`, ["--store", redis?.url ?? "memory", "--min-ttl", "50ms", "--session-ttl", `${SESSION_TTL_MS}ms`]);
  return {
    server,
    async stop() {
      await server.stop();
      await redis?.dispose();
    },
  };
}

describe.each(stores)("chaos: abrupt disconnects (%s store)", (store) => {
  it(
    "releases what cut-off clients held, drops what they queued, and keeps serving everyone else",
    async () => {
      const run = new Run(`disconnects (${store})`, { recoveryBoundMs: 3000 });
      const { server, stop } = await startOn(store);
      run.servers.push(server);
      const prefix = runPrefix(`disconnects-${store}`);
      try {
        await run.guard(async () => {
          const specs = workerSpecs({ prefix, idPrefix: "w", locks: 3, perLock: 3, urls: [server.url], ttlMs: 5000, waitMs: 5000, holdMs: 20, writes: 2, sessionTtlMs: SESSION_TTL_MS });
          run.startWorkers(specs);
          const locks = [...new Set(specs.flatMap((s) => s.locks))];
          await sleep(500);
          let n = 0;
          for (let round = 0; round < ROUNDS; round++) {
            for (const burst of BURSTS) {
              await runBurst(run, server.url, locks, 3, burst, SESSION_TTL_MS, n++);
              // Past the fault's healing (a cut session's leases live out its TTL) and the recovery bound.
              await sleep((burst.victim === "session" ? SESSION_TTL_MS : 0) + 2000);
            }
          }
          await run.stopClients();
          run.problem(await drained(server.url, prefix, SESSION_TTL_MS + 4000));
          run.problem(await acquireReleaseWorks(server.url, `${prefix}after`));
        });
      } finally {
        await stop();
      }
      expect(run.finish().problems).toEqual([]);
    },
    timeoutFor(ROUNDS * BURSTS.length * 4000),
  );

  it(
    "releases a grant whose acquire was cancelled as it was granted, in every way a client can cancel",
    async () => {
      const run = new Run(`cancel as granted (${store})`, { recoveryBoundMs: 3000 });
      const { server, stop } = await startOn(store);
      run.servers.push(server);
      const prefix = runPrefix(`cancel-${store}`);
      try {
        await run.guard(async () => {
          const results = await Promise.all(CANCEL_KINDS.map((kind) => cancelRaces(server.url, prefix, kind, RACES, () => server.alive()).then((r) => ({ kind, ...r }))));
          for (const r of results) {
            console.log(`cancel as granted (${store}), ${r.kind}: ${r.granted} granted and released, ${r.cancelled} cancelled`);
            for (const e of r.errors) run.problem(`${r.kind}: ${e}`);
          }
          run.extraFaults = CANCEL_KINDS.length * RACES;
          // Raw clients' dropped answers are held until their short TTL: count them (a figure,
          // not a failure: no server can tell a dropped answer from a read one).
          const heldAtOnce = (await listLocks(server.url, prefix)).filter((l) => (l.holders?.length ?? 0) > 0);
          for (const kind of RAW_KINDS) {
            const n = heldAtOnce.filter((l) => l.name.includes(kind.replace(/\W+/g, "-"))).length;
            console.log(`cancel as granted (${store}), ${kind}: ${n} of ${RACES} answers dropped by the client after they left the server, held until their ${RAW_TTL_MS} ms TTL`);
          }
          // Past the session grace and the raw TTL, nothing may be held: our clients' leases last 30 s.
          await sleep(Math.max(SESSION_TTL_MS, RAW_TTL_MS) + 1500);
          if (server.alive()) {
            const leaked = (await listLocks(server.url, prefix)).filter((l) => (l.holders?.length ?? 0) > 0 || (l.waiters?.length ?? 0) > 0);
            const byKind = new Map<string, string[]>();
            for (const l of leaked) {
              const kind = CANCEL_KINDS.find((k) => l.name.includes(k.replace(/\W+/g, "-"))) ?? "?";
              byKind.set(kind, [...(byKind.get(kind) ?? []), l.name.split("/").pop()!]);
            }
            for (const [kind, names] of byKind) {
              run.problem(`${kind}: ${names.length} of ${RACES} locks still held or queued ${Math.max(SESSION_TTL_MS, RAW_TTL_MS) + 1500} ms after the race (leaked): ${names.slice(0, 5).join(", ")}`);
            }
            run.problem(await acquireReleaseWorks(server.url, `${prefix}after`));
          } else {
            run.problem("the server died during the races");
          }
        });
      } finally {
        await stop();
      }
      expect(run.finish().problems).toEqual([]);
    },
    timeoutFor(RACES * 100 + 10_000),
  );
});
