import { describe, expect, it } from "vitest";
import { BatonProcess } from "./lib/baton-process.js";
import { nowMs } from "./lib/history.js";
import { scale, timeoutFor } from "./lib/mode.js";
import { Run } from "./lib/run.js";
import { runPrefix, sleep, workerSpecs } from "./lib/specs.js";
import { acquireReleaseWorks, drained } from "./lib/state.js";
import type { ClientKind } from "./lib/worker.js";

// Clients in child processes are SIGSTOPped while they hold a lease, for longer than its TTL,
// then resumed: the rest must be granted once the TTL has run out, and the paused holder's
// writes, made with a token that is no longer good, must be refused by the fenced resource.

const ROUNDS = scale(1, 4);
const TTL_MS = 1000;
const PAUSE_MS = Math.max(TTL_MS, 2000) + 2000;
const LOCKS = 3;
/** A session's leases live as long as the session: until it has been silent this long. */
const SESSION_TTL_MS = 2000;

/** `leaseLifeMs`: how long after the pause the paused holder's lease must be gone. */
async function pauseScenario(title: string, victims: ClientKind[], leaseLifeMs: number): Promise<void> {
  const run = new Run(title, { recoveryBoundMs: 3000 });
  const server = await BatonProcess.start("baton", ["--store", "memory", "--min-ttl", "50ms", "--session-ttl", `${SESSION_TTL_MS}ms`]);
  run.servers.push(server);
  const prefix = runPrefix("pause");
  try {
    await run.guard(async () => {
      const common = { prefix, locks: LOCKS, urls: [server.url], ttlMs: TTL_MS, waitMs: 10_000, writes: 4, sessionTtlMs: SESSION_TTL_MS };
      run.startWorkers(workerSpecs({ ...common, idPrefix: "steady-", perLock: 2, holdMs: 20 }));
      const children = await Promise.all(
        victims.map((kind) => run.startChild(`paused-${kind}`, workerSpecs({ ...common, idPrefix: `paused-${kind}-`, perLock: 1, kinds: [kind], holdMs: 300 }))),
      );
      await sleep(1000);
      for (let round = 0; round < ROUNDS; round++) {
        for (const child of children) {
          const ids = child.specs.map((s) => s.id);
          // Pause it while it holds, so its lease lapses under it.
          const deadline = Date.now() + 5000;
          while (!ids.some((id) => run.history.holding(id)) && Date.now() < deadline) await sleep(5);
          const at = nowMs();
          await run.fault(
            "client SIGSTOP past TTL",
            ids,
            () => child.pause(),
            async () => {
              await sleep(PAUSE_MS);
              child.resume();
            },
            // Service is due back when the paused holder's lease has run out.
            () => at + TTL_MS,
          );
          await sleep(1500);
        }
      }
      await sleep(1500);
      await run.stopClients();
      run.problem(await drained(server.url, prefix, 5000));
      run.problem(await acquireReleaseWorks(server.url, `${prefix}after`));
      const late = run.history.grants.filter((g) => g.grantedAt > g.expiresAt).length;
      console.log(`${title}: ${late} grants reached their client after the lease's expiry`);
    });
  } finally {
    await server.stop();
  }
  expect(run.finish().problems).toEqual([]);
}

describe("chaos: clients SIGSTOPped past their TTL", () => {
  it(
    "unary clients (TS over HTTP/1.1, Connect JSON, grpc-js): others are granted once the TTL runs out; stale writes are refused",
    () => pauseScenario("client SIGSTOP past TTL (unary)", ["ts-h1", "connect-json-h1", "grpc-js"], TTL_MS),
    timeoutFor(ROUNDS * 3 * (PAUSE_MS + 3000) + 5000),
  );

  it(
    "session clients (TS over HTTP/2): a silent session's leases end with the session's TTL",
    () => pauseScenario("client SIGSTOP past session TTL (session)", ["ts-session-h2"], SESSION_TTL_MS),
    timeoutFor(ROUNDS * (PAUSE_MS + 3000) + 5000),
  );
});
