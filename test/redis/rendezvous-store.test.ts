import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisRendezvousStore } from "../../src/store/redis/rendezvous/redis-rendezvous-store.js";
import { rendezvousKeys } from "../../src/store/redis/rendezvous/rendezvous-keys.js";
import { openRendezvousStore, type RendezvousEvent } from "../../src/store/rendezvous.js";
import { StoreUnavailableError } from "../../src/store/errors.js";
import { rendezvousStoreConformance } from "../rendezvous/conformance/rendezvous-store-conformance.js";
import { eventually } from "../helpers/eventually.js";
import { describeRedis, redisForTests, startRedisCluster, type TestRedisCluster } from "../helpers/redis-server.js";

let seq = 0;
const unique = (base: string) => `rvredis/${base}/${process.pid}-${Date.now().toString(36)}-${seq++}`;

describeRedis("Redis rendezvous store on a single Redis", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  beforeAll(async () => {
    redis = await redisForTests();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  rendezvousStoreConformance("redis", {
    open: () => RedisRendezvousStore.open(redis.url, () => {}),
    close: (store) => store.close(),
  });

  it("is what openRendezvousStore opens for a redis:// URL", async () => {
    const store = await openRendezvousStore(redis.url, () => {});
    try {
      expect(store).toBeInstanceOf(RedisRendezvousStore);
    } finally {
      await store.close();
    }
  });

  it("refuses to open when Redis cannot be reached, with a clear message", async () => {
    const err = await RedisRendezvousStore.open("redis://127.0.0.1:1/0?commandTimeout=300ms", () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(String((err as Error).message)).toMatch(/Redis store at redis:\/\/127\.0\.0\.1:1\/0 is unavailable/);
  });

  it("shares signals, waiters and barriers between two stores on one Redis, events reaching both", async () => {
    const [a, b] = await Promise.all([RedisRendezvousStore.open(redis.url, () => {}), RedisRendezvousStore.open(redis.url, () => {})]);
    const seenByB: RendezvousEvent[] = [];
    b.subscribe((e) => seenByB.push(e));
    try {
      const key = unique("shared");
      expect(await a.joinWait({ key, waiterId: "on-a", owner: "a" })).toEqual({ kind: "waiting", waiters: 1 });
      expect(await b.joinWait({ key, waiterId: "on-b", owner: "b" })).toEqual({ kind: "waiting", waiters: 2 });
      expect((await b.signal({ key, payload: "hi", owner: "b" })).woken).toBe(2);
      expect(await a.get(key)).toMatchObject({ payload: "hi", owner: "b" });
      await eventually(() => expect(seenByB.filter((e) => e.key === key).map((e) => e.kind)).toEqual(["signaled"]));

      const barrier = unique("barrier");
      await a.arrive({ key: barrier, participantId: "p1", owner: "a", parties: 2 });
      const trip = await b.arrive({ key: barrier, participantId: "p2", owner: "b", parties: 2 });
      expect(trip).toEqual({ kind: "tripped", generation: 1, parties: 2, participants: ["p1", "p2"] });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("uncounts the waiters and participants of an instance that stopped renewing them (it died)", async () => {
    // A presence time of 300 ms: the "dead" store is closed, so nothing renews its registrations.
    const url = `${redis.url}?heartbeatTtl=300ms`;
    const [dead, alive] = await Promise.all([RedisRendezvousStore.open(url, () => {}), RedisRendezvousStore.open(url, () => {})]);
    const events: RendezvousEvent[] = [];
    alive.subscribe((e) => events.push(e));
    try {
      const key = unique("dead");
      await dead.joinWait({ key, waiterId: "w-dead", owner: "dead" });
      await dead.arrive({ key, participantId: "p-dead", owner: "dead", parties: 3 });
      await alive.arrive({ key, participantId: "p-alive", owner: "alive", parties: 3 });
      await dead.close();
      // The live one keeps its own registration while the dead one's lapse.
      await eventually(async () => {
        const listing = await alive.list({ prefix: key, limit: 10 });
        expect(listing.waiting).toEqual([]);
        expect(listing.barriers).toMatchObject([{ arrived: 1, owners: ["alive"] }]);
      }, 5000);
      expect(events.filter((e) => e.key === key && e.kind === "left")).toMatchObject([{ participantId: "p-dead", arrived: 1 }]);
      await new Promise((r) => setTimeout(r, 600));
      expect((await alive.list({ prefix: key, limit: 10 })).barriers).toMatchObject([{ arrived: 1, owners: ["alive"] }]);
    } finally {
      await Promise.all([dead.close(), alive.close()]);
    }
  });

  it("fails fast with StoreUnavailableError while Redis is down, and works again when it is back", async () => {
    if (redis.server === undefined) return; // an external Redis cannot be stopped
    const store = await RedisRendezvousStore.open(`${redis.url}?commandTimeout=500ms`, () => {});
    try {
      await redis.server.stop();
      const err = await store.signal({ key: unique("down"), payload: "", owner: "o" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(String((err as Error).message)).toMatch(/Redis store at .* is unavailable/);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await redis.server.start();
      await eventually(() => store.ping(), 10_000);
      const key = unique("back");
      expect((await store.signal({ key, payload: "again", owner: "o" })).signal.payload).toBe("again");
    } finally {
      await store.close();
    }
  });

  it("delivers a signal an instance missed while its event subscription was cut, to its waiters", async () => {
    const store = await RedisRendezvousStore.open(redis.url, () => {});
    const other = await RedisRendezvousStore.open(redis.url, () => {});
    const events: RendezvousEvent[] = [];
    store.subscribe((e) => events.push(e));
    const admin = new Redis(redis.url);
    try {
      const key = unique("missed");
      await store.joinWait({ key, waiterId: "w", owner: "o" });
      // Cut every pub/sub connection, then signal before they are back: the event is lost.
      await admin.client("KILL", "TYPE", "pubsub");
      await other.signal({ key, payload: "while-away", owner: "s" }).catch(async () => {
        await eventually(() => other.ping(), 5000);
        await other.signal({ key, payload: "while-away", owner: "s" });
      });
      await eventually(() => expect(events.filter((e) => e.key === key)).toMatchObject([{ kind: "signaled", signal: { payload: "while-away" } }]), 5000);
      expect(store.localRegistrations).toBe(0);
    } finally {
      admin.disconnect();
      await Promise.all([store.close(), other.close()]);
    }
  });
});

describeRedis(
  "Redis rendezvous store on a 3-master Redis Cluster",
  () => {
    let cluster: TestRedisCluster;
    beforeAll(async () => {
      cluster = await startRedisCluster();
    }, 60_000);
    afterAll(async () => {
      await cluster?.dispose();
    });

    rendezvousStoreConformance("redis cluster", {
      open: () => RedisRendezvousStore.open(cluster.url, () => {}),
      close: (store) => store.close(),
    });

    it("keeps every Redis key of a rendezvous key in one slot", async () => {
      const node = new Redis({ port: cluster.nodes[0]!.port, host: "127.0.0.1" });
      try {
        for (const key of ["a", "b/c", "job:42", "x.y@z"]) {
          const slots = new Set(await Promise.all(rendezvousKeys(key).map((k) => node.call("CLUSTER", "KEYSLOT", k) as Promise<number>)));
          expect(slots.size).toBe(1);
        }
      } finally {
        node.disconnect();
      }
    });
  },
  "server",
);
