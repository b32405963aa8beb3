import { afterAll, beforeAll, expect, it } from "vitest";
import type { Client } from "@connectrpc/connect";
import { KeyChangeKind, type RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";
import { rendezvousClient } from "../rendezvous/rendezvous-client.js";

let seq = 0;
const unique = (base: string) => `rvmulti/${base}/${process.pid}-${Date.now().toString(36)}-${seq++}`;
const isWaiting = (m: { event: { case: string | undefined } }) => m.event.case === "waiting";
const isHeartbeat = (m: { event: { case: string | undefined } }) => m.event.case === "heartbeat";

type RvClient = Client<typeof RendezvousService>;

/** An open server stream whose messages are collected; `close` aborts it (breaking a for-await does not). */
export interface OpenStream<T> {
  messages: T[];
  /** The error the stream ended with, once ended. */
  ended: Promise<unknown>;
  until(pred: (m: T) => boolean, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

function open<T>(start: (signal: AbortSignal) => AsyncIterable<T>): OpenStream<T> {
  const ctl = new AbortController();
  const messages: T[] = [];
  const ended = (async () => {
    for await (const m of start(ctl.signal)) messages.push(m);
    return undefined;
  })().catch((error: unknown) => error);
  return {
    messages,
    ended,
    async until(pred, timeoutMs = 5000) {
      await eventually(() => expect(messages.some(pred)).toBe(true), timeoutMs);
      return messages.find(pred)!;
    },
    async close() {
      ctl.abort();
      await ended;
    },
  };
}

/** A Rendezvous Wait stream. */
export function openWait(client: RvClient, key: string, owner: string) {
  return open((signal) => client.wait({ key, owner }, { signal }));
}

/** A Subscribe stream on a key or prefix. */
export function openSubscribe(client: RvClient, filter: { key?: string; prefix?: string; initial?: boolean }) {
  return open((signal) => client.subscribe(filter, { signal }));
}

/** An Arrive stream. */
export function openArrive(client: RvClient, key: string, parties: number, owner: string) {
  return open((signal) => client.arrive({ key, parties, owner }, { signal }));
}

describeRedis("rendezvous across three Baton instances on one Redis", () => {
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
  // Instance i over HTTP/2 for even i and HTTP/1.1 for odd, so both ways in cross instances.
  const client = (i: number) => rendezvousClient(servers[i % 3]!.url, i % 2 === 0 ? "2" : "1.1");

  it("a signal on instance A wakes waiters and subscribers on B and C", async () => {
    const key = unique("wake");
    const waiters = [1, 2, 1, 2].map((i, n) => openWait(client(i), key, `waiter-${n}`));
    const subscribers = [1, 2].map((i) => openSubscribe(client(i), { key }));
    await Promise.all([...waiters.map((w) => w.until(isWaiting)), ...subscribers.map((s) => s.until(isHeartbeat))]);
    const result = await client(0).signal({ key, payload: "from-a", owner: "a" });
    expect(result.woken).toBe(4);
    for (const w of waiters) {
      const got = await w.until((m) => m.event.case === "signaled");
      expect(got.event.case === "signaled" && got.event.value.payload).toBe("from-a");
      expect(await w.ended).toBeUndefined();
    }
    for (const s of subscribers) {
      const change = await s.until((m) => m.event.case === "change");
      expect(change.event.case === "change" && change.event.value).toMatchObject({ kind: KeyChangeKind.SIGNALED, key, woken: 4 });
      await s.close();
    }
    // Set now: a wait on any instance returns at once.
    const late = openWait(client(2), key, "late");
    expect(await late.ended).toBeUndefined();
    expect(late.messages.map((m) => m.event.case)).toEqual(["signaled"]);
  });

  it("subscribers on a prefix, one per instance, each see every change under it from every instance, and nothing else", async () => {
    const prefix = unique("prefix") + "/";
    const subs = [0, 1, 2].map((i) => openSubscribe(client(i), { prefix }));
    await Promise.all(subs.map((s) => s.until(isHeartbeat)));
    await client(0).signal({ key: prefix + "a", payload: "1", owner: "a" });
    await client(1).signal({ key: prefix.slice(0, -1) + "-outside", payload: "x", owner: "b" });
    await client(1).signal({ key: prefix + "b", payload: "2", owner: "b" });
    await client(2).reset({ key: prefix + "a" });
    const expected = [
      [KeyChangeKind.SIGNALED, prefix + "a"],
      [KeyChangeKind.SIGNALED, prefix + "b"],
      [KeyChangeKind.RESET, prefix + "a"],
    ];
    for (const s of subs) {
      await eventually(() => {
        const changes = s.messages.flatMap((m) => (m.event.case === "change" ? [[m.event.value.kind, m.event.value.key]] : []));
        expect(changes).toEqual(expected);
      }, 5000);
      await s.close();
    }
  });

  it("a 10-party barrier spread over 3 instances trips once for all: one generation, indexes 1..10", async () => {
    const key = unique("barrier10");
    const parties = Array.from({ length: 10 }, (_, n) => openArrive(client(n), key, 10, `party-${n}`));
    const trips = await Promise.all(parties.map((p) => p.until((m) => m.event.case === "tripped", 10_000)));
    const values = trips.map((t) => (t.event.case === "tripped" ? t.event.value : undefined));
    expect(new Set(values.map((v) => v?.generation)).size).toBe(1);
    expect(values[0]?.generation).toBe(1n);
    expect(values.map((v) => v?.index).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(values.every((v) => v?.parties === 10)).toBe(true);
    for (const p of parties) expect(await p.ended).toBeUndefined();
    // The next arrival anywhere starts generation 2.
    const next = openArrive(client(1), key, 2, "next");
    const progress = await next.until((m) => m.event.case === "progress");
    expect(progress.event.case === "progress" && progress.event.value.generation).toBe(2n);
    await next.close();
  });

  it("a participant whose client disconnects on instance B is no longer counted, on any instance", async () => {
    const key = unique("disconnect");
    const onA = openArrive(client(0), key, 4, "on-a");
    const onB = openArrive(client(1), key, 4, "on-b");
    const onC = openArrive(client(2), key, 4, "on-c");
    await onA.until((m) => m.event.case === "progress" && m.event.value.arrived === 3);
    await onB.close();
    // A learns of the departure by pub/sub; C's List (another instance) no longer counts B.
    await onA.until((m) => m.event.case === "progress" && m.event.value.arrived === 2);
    const listing = await client(2).list({ prefix: key });
    expect(listing.barriers).toMatchObject([{ key, arrived: 2, parties: 4 }]);
    // In arrival order, and A, B and C arrived at once on three instances: any order of the two.
    expect([...listing.barriers[0]!.owners].sort()).toEqual(["on-a", "on-c"]);
    // Two more complete it: four parties, none of them B.
    const more = [openArrive(client(2), key, 4, "more-1"), openArrive(client(0), key, 4, "more-2")];
    const all = [onA, onC, ...more];
    const trips = await Promise.all(all.map((p) => p.until((m) => m.event.case === "tripped", 10_000)));
    const indexes = trips.map((t) => (t.event.case === "tripped" ? t.event.value.index : 0));
    expect(indexes.sort()).toEqual([1, 2, 3, 4]);
    expect(onB.messages.some((m) => m.event.case === "tripped")).toBe(false);
  });

  it("a signal with a TTL expires for everyone: subscribers on every instance hear it, waits wait again", async () => {
    const key = unique("ttl");
    const subs = [0, 1, 2].map((i) => openSubscribe(client(i), { key }));
    await Promise.all(subs.map((s) => s.until(isHeartbeat)));
    await client(0).signal({ key, payload: "brief", owner: "a", ttlMs: 300n });
    for (const s of subs) {
      await s.until((m) => m.event.case === "change" && m.event.value.kind === KeyChangeKind.EXPIRED, 5000);
      const kinds = s.messages.flatMap((m) => (m.event.case === "change" ? [m.event.value.kind] : []));
      expect(kinds).toEqual([KeyChangeKind.SIGNALED, KeyChangeKind.EXPIRED]);
      await s.close();
    }
    for (const i of [0, 1, 2]) expect((await client(i).list({ prefix: key })).set).toEqual([]);
    const wait = openWait(client(1), key, "after-expiry");
    await wait.until(isWaiting);
    expect(wait.messages.some((m) => m.event.case === "signaled")).toBe(false);
    await client(2).signal({ key, payload: "again", owner: "c" });
    await wait.until((m) => m.event.case === "signaled");
  });

  it("a wait that times out on one instance is listed as timed out by the others", async () => {
    const key = unique("timeout");
    const wait = client(0).wait({ key, owner: "impatient", waitMs: 100n });
    await expect(
      (async () => {
        for await (const _ of wait);
      })(),
    ).rejects.toThrow(/not signalled within 100 ms/);
    for (const i of [1, 2]) {
      const listing = await client(i).list({ prefix: key });
      expect(listing.timedOut).toMatchObject([{ key, owner: "impatient", count: 1 }]);
      expect(listing.waiting).toEqual([]);
    }
  });
});

describeRedis("signal fan-out to 1,000 waiters over three instances on Redis (printed, not asserted)", () => {
  const WAITERS = 1000;
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let servers: TestServer[] = [];
  beforeAll(async () => {
    redis = await redisForTests();
    servers = await Promise.all([0, 1, 2].map(() => startServer({ store: redis.url })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await redis?.dispose();
  });

  it("wakes every waiter on every instance, and prints how long it took", async () => {
    // One HTTP/2 connection per instance, as a client fleet would have many; waiters spread evenly.
    const clients = servers.map((s) => rendezvousClient(s.url, "2"));
    for (let round = 0; round < 2; round++) {
      const key = unique("fanout");
      const received: number[] = [];
      let sentAt = 0;
      const ctl = new AbortController();
      const streams = Array.from({ length: WAITERS }, async (_, n) => {
        for await (const m of clients[n % 3]!.wait({ key, owner: "fanout" }, { signal: ctl.signal })) {
          if (m.event.case === "signaled") received.push(performance.now() - sentAt);
        }
      });
      await eventually(() => expect(servers.reduce((sum, s) => sum + s.app.rendezvous.waiterCount, 0)).toBe(WAITERS), 30_000);
      // Registered in Redis too (the join answered), not only open locally.
      await eventually(async () => expect((await clients[0]!.list({ prefix: key })).waiting[0]?.waiters).toBe(WAITERS), 30_000);
      sentAt = performance.now();
      const result = await clients[round % 3]!.signal({ key, payload: "go" });
      const answeredMs = performance.now() - sentAt;
      await Promise.all(streams);
      ctl.abort();
      expect(result.woken).toBe(WAITERS);
      expect(received).toHaveLength(WAITERS);
      const sorted = [...received].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
      console.log(
        `\n[fan-out redis] round ${round + 1}: ${WAITERS} waiters over 3 instances on one Redis, signal sent to instance ${(round % 3) + 1}:\n` +
          `[fan-out redis]   Signal answered after ${answeredMs.toFixed(1)} ms; woken (signal sent -> signal received): ` +
          `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, last ${sorted.at(-1)!.toFixed(1)} ms\n`,
      );
    }
  }, 120_000);
});
