import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatonClient, type BatonClient } from "../../src/client/index.js";
import { RawSession, h2Client, startSessionServer } from "./raw-session.js";

describe("Session races", () => {
  let server: Awaited<ReturnType<typeof startSessionServer>>;
  beforeAll(async () => {
    server = await startSessionServer(2000);
  });
  afterAll(async () => {
    await server.close();
  });

  it("many sessions on one mutex: never two inside, fencing strictly increasing in grant order", async () => {
    const clients: BatonClient[] = Array.from({ length: 12 }, (_, i) => createBatonClient(server.url, { httpVersion: "2", owner: `c${i}` }));
    let inside = 0;
    let maxInside = 0;
    const fencings: bigint[] = [];
    await Promise.all(
      clients.map(async (c) => {
        for (let round = 0; round < 15; round++) {
          const lease = await c.acquire("race-mutex");
          inside++;
          maxInside = Math.max(maxInside, inside);
          fencings.push(lease.fencing);
          await new Promise((r) => setImmediate(r));
          inside--;
          await c.release(lease);
        }
      }),
    );
    for (const c of clients) c.close();
    expect(maxInside).toBe(1);
    expect(fencings).toHaveLength(12 * 15);
    for (let i = 1; i < fencings.length; i++) expect(fencings[i]!).toBeGreaterThan(fencings[i - 1]!);
  });

  it("many sessions on a semaphore of 3, some killed while holding or waiting: never more than 3 inside", async () => {
    const limit = 3;
    let inside = 0;
    let maxInside = 0;
    const seen = new Set<bigint>();
    const observer = h2Client(server.url);
    // Killed sessions: their leases stay until the grace passes, so holders must count them.
    const victims = Array.from({ length: 4 }, (_, i) => {
      const s = new RawSession(h2Client(server.url));
      s.send(1n, { case: "acquire", value: { name: "race-sem", owner: `victim${i}`, limit, waitMs: undefined } });
      return s;
    });
    const workers = Array.from({ length: 10 }, (_, i) => createBatonClient(server.url, { httpVersion: "2", owner: `w${i}` }));
    const killer = (async () => {
      for (const v of victims) {
        await new Promise((r) => setTimeout(r, 5));
        v.kill();
      }
    })();
    await Promise.all([
      killer,
      ...workers.map(async (c) => {
        for (let round = 0; round < 10; round++) {
          const lease = await c.acquire("race-sem", { limit });
          expect(seen.has(lease.fencing)).toBe(false);
          seen.add(lease.fencing);
          inside++;
          const holders = (await observer.describe({ name: "race-sem" })).lock!.holders.length;
          maxInside = Math.max(maxInside, inside, holders);
          inside--;
          await c.release(lease);
        }
      }),
    ]);
    for (const c of workers) c.close();
    expect(maxInside).toBeLessThanOrEqual(limit);
    expect(seen.size).toBe(100);
  });
});
