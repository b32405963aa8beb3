import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { LockEvent } from "../../src/store/types.js";
import type { WaitResponse } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { spawnBaton } from "../helpers/spawn-baton.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";

/** Runs `baton serve` as a real child process on the store URL; resolves with it and its URL. */
function spawnBatonOn(store: string) {
  return spawnBaton(["--store", store, "--min-ttl", "50ms"]);
}

function waitStream(url: string, req: { name: string; owner: string; hold: boolean; ttlMs: bigint }) {
  const events: WaitResponse[] = [];
  const ctl = new AbortController();
  const done = (async () => {
    for await (const e of lockClient("connect-binary-h2", url).wait(req, { signal: ctl.signal })) events.push(e);
  })().catch(() => undefined);
  const has = (kind: string) => events.some((e) => e.event.case === kind);
  return { events, has, close: () => (ctl.abort(), done) };
}

describeRedis("kill -9 of a Baton instance holding waiters and a lease", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let survivor: TestServer;
  let victim: { child: ChildProcess; url: string } | undefined;
  beforeAll(async () => {
    redis = await redisForTests();
    survivor = await startServer({ store: redis.url, minTtlMs: 50 });
  });
  afterAll(async () => {
    victim?.child.kill("SIGKILL");
    await survivor?.close();
    await redis?.dispose();
  });

  it("drops the dead instance's waiters by heartbeat, expires its hold lease by TTL, and grants the next live waiter", async () => {
    const name = `kill/${process.pid}-${Date.now().toString(36)}`;
    // A short waiter heartbeat on the victim, so its waiters lapse long before their own TTLs would.
    victim = await spawnBatonOn(`${redis.url}?heartbeatTtl=500ms`);
    const events: LockEvent[] = [];
    survivor.app.store.subscribe((e) => e.name === name && events.push(e));

    const holder = waitStream(victim.url, { name, owner: "victim-holder", hold: true, ttlMs: 2000n });
    await eventually(() => expect(holder.has("granted")).toBe(true));
    const deadWaiters = [];
    for (const owner of ["victim-w1", "victim-w2"]) {
      const w = waitStream(victim.url, { name, owner, hold: true, ttlMs: 60_000n });
      await eventually(() => expect(w.has("queued")).toBe(true));
      deadWaiters.push(w);
    }
    const live = waitStream(survivor.url, { name, owner: "survivor-w3", hold: true, ttlMs: 60_000n });
    await eventually(() => expect(live.has("queued")).toBe(true));
    const before = await lockClient("connect-json-h1", survivor.url).describe({ name });
    expect(before.lock?.waiters.map((w) => w.owner)).toEqual(["victim-w1", "victim-w2", "survivor-w3"]);

    const killedAt = events.length;
    victim.child.kill("SIGKILL");
    await new Promise((resolve) => victim!.child.once("exit", resolve));

    // The dead waiters had 60 s TTLs: had either been granted, survivor-w3 would wait a minute.
    await eventually(() => expect(live.has("granted")).toBe(true), 15_000);
    const sinceKill = events.slice(killedAt);
    expect(sinceKill.filter((e) => e.kind === "granted").map((e) => e.lease?.owner)).toEqual(["survivor-w3"]);
    expect(sinceKill.filter((e) => e.kind === "dequeued")).toHaveLength(2);
    expect(sinceKill.filter((e) => e.kind === "expired").map((e) => e.lease?.owner)).toEqual(["victim-holder"]);
    const after = await lockClient("connect-json-h1", survivor.url).describe({ name });
    expect(after.lock?.holders.map((h) => h.owner)).toEqual(["survivor-w3"]);
    expect(after.lock?.waiters).toEqual([]);
    await Promise.all([holder.close(), ...deadWaiters.map((w) => w.close()), live.close()]);
  });
});
