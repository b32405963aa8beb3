import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { lockKeys } from "../../src/store/redis/keys.js";
import { storeConformance } from "../conformance/store-conformance.js";
import { storeConformanceCompat } from "../conformance/store-conformance-compat.js";
import { storeConformanceClaims } from "../conformance/store-conformance-claims.js";
import { describeRedis, startRedisCluster, type TestRedisCluster } from "../helpers/redis-server.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { spawnBaton } from "../helpers/spawn-baton.js";

describeRedis(
  "Redis store on a 3-master Redis Cluster",
  () => {
    let cluster: TestRedisCluster;
    beforeAll(async () => {
      cluster = await startRedisCluster();
    }, 60_000);
    afterAll(async () => {
      await cluster?.dispose();
    });

    const factory = {
      open: () => RedisStore.open(cluster.url, () => {}),
      close: (store: { close(): Promise<void> }) => store.close(),
    };
    storeConformance("redis cluster", factory);
    storeConformanceCompat("redis cluster", factory);
    storeConformanceClaims("redis cluster", factory);

    it("keeps every key of a lock in one slot, and spreads locks over the masters", async () => {
      const node = new Redis({ port: cluster.nodes[0]!.port, host: "127.0.0.1" });
      try {
        const slotsOfLocks = new Set<number>();
        for (const name of ["a", "b/c", "job:42", "x.y@z", "long/" + "n".repeat(200)]) {
          const slots = new Set(await Promise.all(lockKeys(name).map((k) => node.call("CLUSTER", "KEYSLOT", k) as Promise<number>)));
          expect(slots.size).toBe(1);
          slotsOfLocks.add([...slots][0]!);
        }
        expect(slotsOfLocks.size).toBeGreaterThan(1);
      } finally {
        node.disconnect();
      }
    });

    it("serves a cross-instance hand-off between two Baton servers on the cluster", async () => {
      const servers: TestServer[] = await Promise.all([0, 1].map(() => startServer({ store: cluster.url })));
      try {
        const name = `cluster/handoff/${Date.now().toString(36)}`;
        const [a, b] = servers.map((s) => lockClient("connect-binary-h2", s.url));
        const { lease } = await a!.acquire({ name, owner: "on-a", ttlMs: 10_000n });
        const waited = (async () => {
          for await (const e of b!.wait({ name, owner: "on-b", ttlMs: 10_000n })) {
            if (e.event.case === "queued") await a!.release({ name, token: lease!.token });
            if (e.event.case === "granted") return e.event.value;
          }
          throw new Error("the wait ended without a grant");
        })();
        const granted = await waited;
        expect(granted.owner).toBe("on-b");
        expect(granted.fencing).toBeGreaterThan(lease!.fencing);
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
    });

    it("evicts the waiters of a Baton killed with kill -9, on locks spread over the masters", async () => {
      const survivor = await startServer({ store: cluster.url });
      const victim = await spawnBaton(["--store", cluster.url]);
      const ctl = new AbortController();
      try {
        const unary = lockClient("connect-json-h1", survivor.url);
        const names = ["a", "b/c", "job:42", "x.y@z"].map((n) => `cluster/evict/${Date.now().toString(36)}/${n}`);
        const leases = await Promise.all(names.map(async (name) => (await unary.acquire({ name, owner: "holder", ttlMs: 60_000n })).lease!));
        const queued = (name: string) => unary.describe({ name }).then((d) => d.lock?.waiters.map((w) => w.owner) ?? []);
        for (const name of names) {
          void (async () => {
            for await (const _ of lockClient("connect-binary-h2", victim.url).wait({ name, owner: "dead", ttlMs: 60_000n }, { signal: ctl.signal }));
          })().catch(() => undefined);
        }
        await eventually(async () => expect(await Promise.all(names.map(queued))).toEqual(names.map(() => ["dead"])), 10_000);
        const granted: string[] = [];
        for (const name of names) {
          void (async () => {
            for await (const e of lockClient("connect-binary-h2", survivor.url).wait({ name, owner: "live", ttlMs: 60_000n }, { signal: ctl.signal })) {
              if (e.event.case === "granted") granted.push(name);
            }
          })().catch(() => undefined);
        }
        await eventually(async () => expect(await Promise.all(names.map(queued))).toEqual(names.map(() => ["dead", "live"])), 10_000);
        victim.child.kill("SIGKILL");
        // The first lock's permit goes to the dead waiter before its instance is evicted; the
        // others' waiters are evicted first. Either way every lock ends with the live waiter.
        await unary.release({ name: names[0]!, token: leases[0]!.token });
        await eventually(async () => expect(await Promise.all(names.map(queued))).toEqual(names.map(() => ["live"]).map((w, i) => (i === 0 ? [] : w))), 10_000);
        await eventually(() => expect(granted).toEqual([names[0]]), 10_000);
      } finally {
        ctl.abort();
        victim.child.kill("SIGKILL");
        await survivor.close();
      }
    });
  },
  "server",
);
