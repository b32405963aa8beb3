import { afterAll, beforeAll, expect, it } from "vitest";
import type { Client } from "@connectrpc/connect";
import { LockEventKind, type WaitResponse } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { type LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient, TRANSPORTS } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const unique = (base: string) => `multi/${base}/${process.pid}-${Date.now().toString(36)}-${seq++}`;

/** Opens a Wait stream and collects its events; `next` resolves with the next event. */
function openWait(client: Client<typeof LockService>, req: { name: string; owner: string; hold?: boolean; ttlMs?: bigint }) {
  const ctl = new AbortController();
  const events: WaitResponse[] = [];
  let wake: (() => void) | undefined;
  const done = (async () => {
    for await (const e of client.wait({ ...req, ttlMs: req.ttlMs ?? 10_000n }, { signal: ctl.signal })) {
      events.push(e);
      wake?.();
    }
  })().catch(() => undefined);
  return {
    events,
    async until(kind: "queued" | "granted", timeoutMs = 5000) {
      await eventually(() => expect(events.some((e) => e.event.case === kind)).toBe(true), timeoutMs);
      return events.find((e) => e.event.case === kind)!;
    },
    close: async () => {
      ctl.abort();
      await done;
    },
  };
}

describeRedis("three Baton instances on one Redis", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let servers: TestServer[] = [];
  beforeAll(async () => {
    redis = await redisForTests();
    servers = await Promise.all([0, 1, 2].map(() => startServer({ store: redis.url, minTtlMs: 50 })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await redis?.dispose();
  });
  const client = (i: number) => lockClient(TRANSPORTS[i % TRANSPORTS.length]!, servers[i % 3]!.url);

  it("hands a lock released on instance B to a waiter streaming from instance A", async () => {
    const name = unique("handoff");
    const { lease } = await client(1).acquire({ name, owner: "holder-on-b", ttlMs: 10_000n });
    const waiter = openWait(lockClient("connect-binary-h2", servers[0]!.url), { name, owner: "waiter-on-a" });
    await waiter.until("queued");
    const seen = await lockClient("connect-json-h1", servers[2]!.url).describe({ name });
    expect(seen.lock?.waiters.map((w) => w.owner)).toEqual(["waiter-on-a"]);
    const releasedAt = performance.now();
    await client(1).release({ name, token: lease!.token });
    const granted = await waiter.until("granted");
    console.log(`cross-instance hand-off (release on B -> grant on A's stream): ${(performance.now() - releasedAt).toFixed(2)} ms`);
    const grantedLease = granted.event.case === "granted" ? granted.event.value : undefined;
    expect(grantedLease?.owner).toBe("waiter-on-a");
    expect(grantedLease!.fencing).toBeGreaterThan(lease!.fencing);
    await waiter.close();
  });

  it("grants waiters first in, first out across instances", async () => {
    const name = unique("fifo");
    const { lease } = await client(0).acquire({ name, owner: "first", ttlMs: 10_000n });
    const waiters = [];
    for (let i = 0; i < 6; i++) {
      const w = openWait(client(i), { name, owner: `w${i}`, hold: true });
      const queued = await w.until("queued");
      expect(queued.event.case === "queued" && queued.event.value.position).toBe(i + 1);
      waiters.push(w);
    }
    const order: string[] = [];
    await client(2).release({ name, token: lease!.token });
    for (const w of waiters) {
      const granted = await w.until("granted");
      if (granted.event.case === "granted") order.push(granted.event.value.owner);
      // Ending a hold stream releases its lease, which hands the lock to the next in line.
      await w.close();
    }
    expect(order).toEqual(["w0", "w1", "w2", "w3", "w4", "w5"]);
  });

  it("tells a Watch on one instance about changes made on another", async () => {
    const name = unique("watch");
    const ctl = new AbortController();
    const kinds: LockEventKind[] = [];
    let ready = false;
    const done = (async () => {
      for await (const e of client(2).watch({ name, initial: true }, { signal: ctl.signal })) {
        ready = true;
        kinds.push(e.kind);
      }
    })().catch(() => undefined);
    await eventually(() => expect(ready).toBe(true));
    const { lease } = await client(0).acquire({ name, owner: "x", ttlMs: 10_000n });
    await client(1).release({ name, token: lease!.token });
    await eventually(() => expect(kinds).toContain(LockEventKind.RELEASED));
    expect(kinds).toContain(LockEventKind.GRANTED);
    ctl.abort();
    await done;
  });

  it("expires a lease taken on one instance and grants it to a waiter on another, with no request arriving", async () => {
    const name = unique("expiry");
    const { lease } = await client(0).acquire({ name, owner: "lapses", ttlMs: 200n });
    const waiter = openWait(client(1), { name, owner: "patient" });
    const granted = await waiter.until("granted", 5000);
    expect(granted.event.case === "granted" && granted.event.value.fencing).toBeGreaterThan(lease!.fencing);
    await waiter.close();
  });

  for (const limit of [1, 3]) {
    it(`race across the 3 instances on a limit-${limit} lock: never over the limit, fencing strictly grows`, async () => {
      const name = unique(`race-${limit}`);
      let inside = 0;
      let maxInside = 0;
      const granted: bigint[] = [];
      const worker = async (i: number) => {
        const c = client(i);
        for (let n = 0; n < 10; n++) {
          const { lease } = await c.acquire({ name, owner: `client-${i}`, limit, waitMs: 60_000n, ttlMs: 30_000n });
          inside++;
          maxInside = Math.max(maxInside, inside);
          granted.push(lease!.fencing);
          if (inside > limit) throw new Error(`${inside} holders inside a limit-${limit} lock`);
          await pause(Math.random() * 3);
          inside--;
          await c.release({ name, token: lease!.token });
        }
      };
      await Promise.all(Array.from({ length: 15 }, (_, i) => worker(i)));
      expect(granted).toHaveLength(150);
      expect(maxInside).toBeLessThanOrEqual(limit);
      expect(new Set(granted).size).toBe(granted.length);
      if (limit === 1) {
        for (let i = 1; i < granted.length; i++) expect(granted[i]!).toBeGreaterThan(granted[i - 1]!);
      }
      const info = await client(2).describe({ name });
      expect(info.lock?.holders).toEqual([]);
      expect(info.lock?.waiters).toEqual([]);
    });
  }
});
