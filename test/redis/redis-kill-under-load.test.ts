import { afterAll, beforeAll, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import type { WaitResponse } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { describeRedis, startRedis, type TestRedis } from "../helpers/redis-server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A grant a load client saw: its fencing token and when it arrived. */
interface Seen {
  fencing: bigint;
  atMs: number;
  client: number;
}

/**
 * Clients looping acquire (queued up to 5 s) -> hold 5 ms -> release on one lock, through two
 * instances, until `stop`; store errors (Redis away) are retried after 50 ms.
 */
function load(urls: string[], name: string, clients: number) {
  const seen: Seen[] = [];
  let stopped = false;
  const unexpected: unknown[] = [];
  const loops = Array.from({ length: clients }, async (_, client) => {
    const api = lockClient("connect-binary-h2", urls[client % urls.length]!);
    while (!stopped) {
      try {
        const { lease } = await api.acquire({ name, owner: `c${client}`, ttlMs: 2000n, waitMs: 5000n });
        seen.push({ fencing: lease!.fencing, atMs: Date.now(), client });
        await sleep(5);
        await api.release({ name, token: lease!.token }).catch(() => undefined);
      } catch (error) {
        const code = error instanceof ConnectError ? error.code : undefined;
        if (code !== Code.Unavailable && code !== Code.DeadlineExceeded) unexpected.push(error);
        await sleep(50);
      }
    }
  });
  return {
    seen,
    unexpected,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function waitStream(url: string, name: string, owner: string) {
  const events: WaitResponse[] = [];
  const ctl = new AbortController();
  const done = (async () => {
    for await (const e of lockClient("connect-binary-h2", url).wait({ name, owner, ttlMs: 30_000n }, { signal: ctl.signal })) events.push(e);
  })().catch(() => undefined);
  const lease = () => {
    const granted = events.find((e) => e.event.case === "granted");
    return granted?.event.case === "granted" ? granted.event.value : undefined;
  };
  return { lease, close: () => (ctl.abort(), done) };
}

for (const aof of [true, false]) {
  describeRedis(
    `kill -9 of Redis ${aof ? "with" : "without"} AOF under load, two Baton instances`,
    () => {
      let redis: TestRedis;
      let servers: TestServer[];
      beforeAll(async () => {
        redis = await startRedis({ aof });
        servers = await Promise.all([0, 1].map(() => startServer({ store: redis.url })));
      });
      afterAll(async () => {
        await Promise.all((servers ?? []).map((s) => s.close()));
        await redis?.dispose();
      });

      it("keeps fencing strictly growing, keeps (or rebuilds) its queues, and serves every client again", { timeout: 60_000 }, async () => {
        const urls = servers.map((s) => s.url);
        const [a, b] = urls as [string, string];
        const tag = `${process.pid}-${Date.now().toString(36)}`;
        const unary = lockClient("connect-json-h1", a);
        // A queue of waiters from both instances behind a holder.
        const queued = `redis-kill/${tag}/queue`;
        const { lease: holder } = await unary.acquire({ name: queued, owner: "holder", ttlMs: 60_000n });
        const order = async () => (await unary.describe({ name: queued })).lock?.waiters.map((w) => w.owner);
        const waiters: ReturnType<typeof waitStream>[] = [];
        for (const [url, owner] of [[a, "a1"], [b, "b1"], [a, "a2"]] as const) {
          waiters.push(waitStream(url, queued, owner));
          await eventually(async () => expect(await order()).toHaveLength(waiters.length), 5000);
        }
        expect(await order()).toEqual(["a1", "b1", "a2"]);

        const busy = load(urls, `redis-kill/${tag}/busy`, 6);
        await sleep(1000);
        await redis.kill();
        const killedAt = Date.now();
        await sleep(1000);
        await redis.start();
        const restartedAt = Date.now();
        await sleep(4000);
        await busy.stop();

        // Fencing: strictly increasing in the order the grants arrived, never repeated, across the
        // restart (with AOF the counter survives; without it the time floor takes over).
        const fencings = busy.seen.map((s) => s.fencing);
        expect(fencings.length).toBeGreaterThan(10);
        for (let i = 1; i < fencings.length; i++) expect(fencings[i]!).toBeGreaterThan(fencings[i - 1]!);
        // Every client is served again after the restart.
        const after = new Set(busy.seen.filter((s) => s.atMs > restartedAt).map((s) => s.client));
        expect([...after].sort()).toEqual([0, 1, 2, 3, 4, 5]);
        const firstAfter = Math.min(...busy.seen.filter((s) => s.atMs > restartedAt).map((s) => s.atMs));
        console.log(
          `redis kill -9 ${aof ? "with" : "without"} AOF: ${busy.seen.length} grants, fencing strictly increasing; ` +
            `first grant ${firstAfter - restartedAt} ms after the restart (Redis was down ${restartedAt - killedAt} ms)`,
        );
        expect(busy.unexpected).toEqual([]);

        if (aof) {
          // Nothing was lost and no instance was taken for dead: the queue kept its order.
          expect(await order()).toEqual(["a1", "b1", "a2"]);
          await sleep(2000);
          expect(await order()).toEqual(["a1", "b1", "a2"]);
          await unary.release({ name: queued, token: holder!.token });
        }
        // Either way the queue drains: each waiter is granted in turn once the one before lets go.
        // (Without AOF Redis forgot the holder and the queue: each instance found its waiters gone
        // and queued them again, the first of them granted at once.)
        const released = new Set<string>();
        for (let i = 0; i < waiters.length; i++) {
          await eventually(() => expect(waiters.filter((w) => w.lease() !== undefined).length).toBeGreaterThan(i), 10_000);
          for (const w of waiters) {
            const lease = w.lease();
            if (lease === undefined || released.has(lease.token)) continue;
            released.add(lease.token);
            await unary.release({ name: queued, token: lease.token });
          }
        }
        await Promise.all(waiters.map((w) => w.close()));
      });
    },
    "server",
  );
}
