import { afterAll, beforeAll, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import type { WaitResponse } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { describeRedis, startRedis, type TestRedis } from "../helpers/redis-server.js";

let seq = 0;
const unique = (base: string) => `restart/${base}/${process.pid}-${Date.now().toString(36)}-${seq++}`;

function waitStream(url: string, req: { name: string; owner: string; hold?: boolean; ttlMs?: bigint }) {
  const events: WaitResponse[] = [];
  let error: unknown;
  const ctl = new AbortController();
  const done = (async () => {
    for await (const e of lockClient("connect-binary-h2", url).wait({ ttlMs: 30_000n, ...req }, { signal: ctl.signal })) events.push(e);
  })().catch((e: unknown) => (error = e));
  const has = (kind: string) => events.some((e) => e.event.case === kind);
  return { events, has, error: () => error, close: () => (ctl.abort(), done) };
}

/** Acquires, retrying while the store is unavailable (Redis coming back). */
async function acquireWhenBack(url: string, name: string) {
  let last: unknown;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      return (await lockClient("connect-json-h1", url).acquire({ name, owner: "after", ttlMs: 30_000n })).lease!;
    } catch (error) {
      if (!(error instanceof ConnectError) || error.code !== Code.Unavailable) throw error;
      last = error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw last;
}

for (const aof of [true, false]) {
  describeRedis(
    `Redis restart ${aof ? "with" : "without"} AOF under two Baton instances`,
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

      it("fails calls fast with unavailable while Redis is down, keeps waiting streams open, and recovers without a restart", async () => {
        const [a, b] = [servers[0]!.url, servers[1]!.url];
        const counter = unique("fencing");
        let lastFencing = 0n;
        for (let i = 0; i < 3; i++) {
          const { lease } = await lockClient("connect-json-h1", a).acquire({ name: counter, owner: "before", ttlMs: 30_000n });
          expect(lease!.fencing).toBeGreaterThan(lastFencing);
          lastFencing = lease!.fencing;
          await lockClient("connect-json-h1", b).release({ name: counter, token: lease!.token });
        }
        const held = unique("held");
        const { lease: holder } = await lockClient("connect-json-h1", b).acquire({ name: held, owner: "holder", ttlMs: 30_000n });
        const waiter = waitStream(a, { name: held, owner: "waiter-on-a" });
        await eventually(() => expect(waiter.has("queued")).toBe(true));
        const holdName = unique("hold");
        const hold = waitStream(b, { name: holdName, owner: "hold-on-b", hold: true, ttlMs: 3000n });
        await eventually(() => expect(hold.has("granted")).toBe(true));

        await redis.stop();
        for (const url of [a, b]) {
          const err = await lockClient("connect-json-h1", url)
            .acquire({ name: unique("down"), owner: "x", ttlMs: 1000n })
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(ConnectError);
          expect((err as ConnectError).code).toBe(Code.Unavailable);
          expect((err as ConnectError).rawMessage).toMatch(/Redis store at redis:\/\/127\.0\.0\.1:\d+ is unavailable/);
          const described = await lockClient("connect-json-h1", url).describe({ name: held }).catch((e: unknown) => e);
          expect((described as ConnectError).code).toBe(Code.Unavailable);
        }
        await redis.start();

        const after = await acquireWhenBack(b, counter);
        expect(after.fencing).toBeGreaterThan(lastFencing);
        // The waiting stream survived the outage and is served once the holder lets go (with AOF
        // the queue survived; without it the instance put its waiter back in the new, empty queue).
        expect(waiter.error()).toBeUndefined();
        if (aof) await lockClient("connect-json-h1", b).release({ name: held, token: holder!.token });
        await eventually(() => expect(waiter.has("granted")).toBe(true), 10_000);
        await waiter.close();
        if (aof) {
          // The hold stream's lease survived (the outage was shorter than its TTL): a refresh after
          // the restart finds it, and the stream is still open without a "lost" event.
          const info = await lockClient("connect-json-h1", a).describe({ name: holdName });
          expect(info.lock?.holders.map((h) => h.owner)).toEqual(["hold-on-b"]);
          await new Promise((r) => setTimeout(r, 1500));
          expect(hold.has("lost")).toBe(false);
          expect(hold.error()).toBeUndefined();
        } else {
          // Redis forgot the lease: the next keep-alive refresh finds nothing and the stream says so.
          await eventually(() => expect(hold.has("lost")).toBe(true), 10_000);
        }
        await hold.close();
      });
    },
    "server",
  );
}
