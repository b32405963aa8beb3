import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { LockEventKind } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { type LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient, TRANSPORTS } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ minTtlMs: 50 });
});
afterAll(async () => {
  await server.close();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records, from a Watch stream, the fencing of every grant in the order the store made them. */
function recordGrants(client: Client<typeof LockService>, name: string) {
  const fencings: bigint[] = [];
  const holderCounts: number[] = [];
  const ctl = new AbortController();
  let ready = false;
  const done = (async () => {
    for await (const e of client.watch({ name, initial: true }, { signal: ctl.signal })) {
      ready = true;
      holderCounts.push(e.lock?.holders.length ?? 0);
      if (e.kind === LockEventKind.GRANTED) fencings.push(e.lock?.lastFencing ?? 0n);
    }
  })().catch(() => undefined);
  return {
    fencings,
    holderCounts,
    ready: () => eventually(() => expect(ready).toBe(true)),
    stop: async () => {
      ctl.abort();
      await done;
    },
  };
}

function expectStrictlyIncreasing(values: bigint[]): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i]! <= values[i - 1]!) throw new Error(`fencing went from ${values[i - 1]} to ${values[i]} at grant ${i}`);
  }
}

describe.each([
  { limit: 1, clients: 50, cycles: 20 },
  { limit: 3, clients: 50, cycles: 20 },
])("race: $clients clients × $cycles cycles on a limit-$limit lock", ({ limit, clients, cycles }) => {
  it("never lets more than `limit` hold at once, and fencing strictly increases in grant order", async () => {
    const name = `race/limit-${limit}`;
    const watcher = recordGrants(lockClient("connect-binary-h2", server.url), name);
    await watcher.ready();
    let inside = 0;
    let maxInside = 0;
    const granted: bigint[] = [];
    const worker = async (i: number) => {
      const client = lockClient(TRANSPORTS[i % TRANSPORTS.length]!, server.url);
      for (let c = 0; c < cycles; c++) {
        const { lease } = await client.acquire({ name, owner: `client-${i}`, limit, waitMs: 60_000n, ttlMs: 30_000n });
        inside++;
        maxInside = Math.max(maxInside, inside);
        granted.push(lease!.fencing);
        if (inside > limit) throw new Error(`${inside} holders inside a limit-${limit} lock`);
        await pause(Math.random() * 2);
        inside--;
        await client.release({ name, token: lease!.token });
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)));
    expect(granted).toHaveLength(clients * cycles);
    expect(maxInside).toBeLessThanOrEqual(limit);
    if (limit === 1) expectStrictlyIncreasing(granted);
    expect(new Set(granted).size).toBe(granted.length);
    // The Watch stream trails the grants; on a loaded machine it may take a while to catch up.
    await eventually(() => expect(watcher.fencings).toHaveLength(clients * cycles), 20_000);
    expectStrictlyIncreasing(watcher.fencings);
    expect(Math.max(...watcher.holderCounts)).toBeLessThanOrEqual(limit);
    await watcher.stop();
  });
});

describe("race with chaos: killed holders and expiring leases", () => {
  it("keeps holders within the limit and fencing growing while clients die and leases lapse", async () => {
    const name = "race/chaos";
    const watcher = recordGrants(lockClient("connect-binary-h2", server.url), name);
    await watcher.ready();
    let kills = 0;
    let expiries = 0;
    let clean = 0;
    const worker = async (i: number) => {
      const client = lockClient(TRANSPORTS[i % TRANSPORTS.length]!, server.url);
      for (let c = 0; c < 6; c++) {
        const fate = Math.random();
        if (fate < 0.25) {
          // Holds on a stream, then its process "dies": the stream is cut mid-hold.
          const ctl = new AbortController();
          try {
            for await (const e of client.wait({ name, owner: `killed-${i}`, hold: true, ttlMs: 5000n }, { signal: ctl.signal })) {
              if (e.event.case === "granted") {
                kills++;
                setTimeout(() => ctl.abort(), Math.random() * 3);
              }
            }
          } catch (error) {
            if (!(error instanceof ConnectError) || error.code !== Code.Canceled) throw error;
          }
        } else if (fate < 0.4) {
          // Takes the lock with a short TTL and never releases: the lease must expire and hand off.
          await client.acquire({ name, owner: `lapsed-${i}`, waitMs: 60_000n, ttlMs: 60n });
          expiries++;
        } else {
          const { lease } = await client.acquire({ name, owner: `clean-${i}`, waitMs: 60_000n, ttlMs: 5000n });
          await pause(Math.random() * 2);
          await client.release({ name, token: lease!.token });
          clean++;
        }
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => worker(i)));
    const total = kills + expiries + clean;
    expect(total).toBe(30 * 6);
    await eventually(() => expect(watcher.fencings).toHaveLength(total), 10_000);
    expectStrictlyIncreasing(watcher.fencings);
    expect(Math.max(...watcher.holderCounts)).toBeLessThanOrEqual(1);
    // Everything was released or expired: nobody is left holding or queued.
    await eventually(async () => {
      const info = await lockClient("connect-json-h1", server.url).describe({ name });
      expect(info.lock?.holders).toEqual([]);
      expect(info.lock?.waiters).toEqual([]);
    }, 5000);
    await watcher.stop();
  });
});
