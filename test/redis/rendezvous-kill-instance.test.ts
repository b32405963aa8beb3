import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ArriveResponse } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";
import { spawnBaton } from "../helpers/spawn-baton.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";
import { rendezvousClient } from "../rendezvous/rendezvous-client.js";

/** Runs `baton serve` as a real child process on the store URL; resolves with it and its URL. */
function spawnBatonOn(store: string) {
  return spawnBaton(["--store", store, "--rendezvous-heartbeat", "200ms"]);
}

/** An Arrive stream, aborted by `close`. */
function arrive(url: string, key: string, parties: number, owner: string) {
  const messages: ArriveResponse[] = [];
  const ctl = new AbortController();
  const done = (async () => {
    for await (const m of rendezvousClient(url).arrive({ key, parties, owner }, { signal: ctl.signal })) messages.push(m);
  })().catch(() => undefined);
  return { messages, tripped: () => messages.find((m) => m.event.case === "tripped"), close: () => (ctl.abort(), done) };
}

describeRedis("kill -9 of a Baton instance with rendezvous waiters and barrier participants", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let survivor: TestServer;
  let victim: { child: ChildProcess; url: string } | undefined;
  // The Redis store's defaults: a dead instance is evicted once its presence lapses (1.5 s after
  // its last renewal), long before its registrations' own deadlines (heartbeatTtl, or 3 engine
  // heartbeats) would pass.
  const storeUrl = () => redis.url;
  beforeAll(async () => {
    redis = await redisForTests();
    survivor = await startServer({ store: storeUrl() });
  });
  afterAll(async () => {
    victim?.child.kill("SIGKILL");
    await survivor?.close();
    await redis?.dispose();
  });

  it("stops counting the dead instance's waiters and participants once their presence lapses", async () => {
    victim = await spawnBatonOn(storeUrl());
    const key = `rvkill/${process.pid}-${Date.now().toString(36)}`;
    const live = rendezvousClient(survivor.url);
    const deadParty = arrive(victim.url, key, 3, "on-victim");
    const deadWaitCtl = new AbortController();
    void (async () => {
      for await (const _ of rendezvousClient(victim!.url).wait({ key: key + "/w", owner: "victim-waiter" }, { signal: deadWaitCtl.signal }));
    })().catch(() => undefined);
    const liveParty = arrive(survivor.url, key, 3, "on-survivor");
    await eventually(async () => {
      const listing = await live.list({ prefix: key });
      expect(listing.barriers).toMatchObject([{ arrived: 2 }]);
      expect(listing.waiting).toMatchObject([{ key: key + "/w", waiters: 1 }]);
    }, 5000);

    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    await eventually(async () => {
      const listing = await live.list({ prefix: key });
      expect(listing.barriers).toMatchObject([{ arrived: 1, owners: ["on-survivor"] }]);
      expect(listing.waiting).toEqual([]);
    }, 8000);
    console.log(`rendezvous kill -9: the dead instance's waiter and participant were gone ${Date.now() - killedAt} ms after the kill`);
    // The live participant heard the departure, and the barrier now needs two more live ones.
    await eventually(() => expect(liveParty.messages.some((m) => m.event.case === "progress" && m.event.value.arrived === 1)).toBe(true));
    const more = [arrive(survivor.url, key, 3, "late-1"), arrive(survivor.url, key, 3, "late-2")];
    await eventually(() => expect([liveParty, ...more].every((p) => p.tripped() !== undefined)).toBe(true), 5000);
    const indexes = [liveParty, ...more].map((p) => {
      const t = p.tripped()!;
      return t.event.case === "tripped" ? t.event.value.index : 0;
    });
    expect(indexes.sort()).toEqual([1, 2, 3]);
    deadWaitCtl.abort();
    await deadParty.close();
  });
});
