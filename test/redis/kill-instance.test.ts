import type { ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { LockEvent } from "../../src/store/types.js";
import type { WaitResponse } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { spawnBaton } from "../helpers/spawn-baton.js";
import { describeRedis, redisForTests } from "../helpers/redis-server.js";

/** Runs `baton serve` as a real child process on the store URL, with the Redis store's defaults. */
function spawnBatonOn(store: string) {
  return spawnBaton(["--store", store, "--min-ttl", "50ms"]);
}

function waitStream(url: string, req: { name: string; owner: string; hold: boolean; ttlMs: bigint }) {
  const events: WaitResponse[] = [];
  const at: number[] = [];
  const ctl = new AbortController();
  const done = (async () => {
    for await (const e of lockClient("connect-binary-h2", url).wait(req, { signal: ctl.signal })) {
      events.push(e);
      at.push(Date.now());
    }
  })().catch(() => undefined);
  const has = (kind: string) => events.some((e) => e.event.case === kind);
  const when = (kind: string) => at[events.findIndex((e) => e.event.case === kind)];
  return { events, has, when, close: () => (ctl.abort(), done) };
}

async function kill(child: ChildProcess): Promise<number> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  const killedAt = Date.now();
  await exited;
  return killedAt;
}

/**
 * kill -9 of an instance: its waiters must leave every queue within about 2 s (its presence
 * lapses 1.5 s after its last renewal and another instance evicts it), and a grant made to one
 * of them after it died must pass on as soon as it is evicted. Figures are printed; the bounds
 * asserted are loose (a shared 2-core machine), they catch a fall-back to the heartbeat (10 s)
 * or to a lease TTL (60 s).
 */
describeRedis("kill -9 of a Baton instance holding waiters and a lease", () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let survivor: TestServer;
  let victim: { child: ChildProcess; url: string } | undefined;
  const streams: { close(): Promise<unknown> }[] = [];
  let seq = 0;
  const unique = () => `kill/${process.pid}-${Date.now().toString(36)}-${seq++}`;
  beforeAll(async () => {
    redis = await redisForTests();
    survivor = await startServer({ store: redis.url, minTtlMs: 50 });
  });
  afterEach(async () => {
    victim?.child.kill("SIGKILL");
    await Promise.all(streams.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await survivor?.close();
    await redis?.dispose();
  });

  it("evicts the dead instance's waiters within seconds, expires its hold lease by TTL, and grants the next live waiter", async () => {
    const name = unique();
    victim = await spawnBatonOn(redis.url);
    const events: LockEvent[] = [];
    survivor.app.store.subscribe((e) => e.name === name && events.push(e));

    // A TTL well past the eviction, which must come first: had the lease expired first, its
    // permit would have gone to a dead waiter (the next test covers that case).
    const holder = waitStream(victim.url, { name, owner: "victim-holder", hold: true, ttlMs: 5000n });
    streams.push(holder);
    await eventually(() => expect(holder.has("granted")).toBe(true));
    for (const owner of ["victim-w1", "victim-w2"]) {
      const w = waitStream(victim.url, { name, owner, hold: true, ttlMs: 60_000n });
      streams.push(w);
      await eventually(() => expect(w.has("queued")).toBe(true));
    }
    const live = waitStream(survivor.url, { name, owner: "survivor-w3", hold: true, ttlMs: 60_000n });
    streams.push(live);
    await eventually(() => expect(live.has("queued")).toBe(true));
    const describe = () => lockClient("connect-json-h1", survivor.url).describe({ name });
    expect((await describe()).lock?.waiters.map((w) => w.owner)).toEqual(["victim-w1", "victim-w2", "survivor-w3"]);

    const seen = events.length;
    const killedAt = await kill(victim.child);
    await eventually(async () => expect((await describe()).lock?.waiters.map((w) => w.owner)).toEqual(["survivor-w3"]), 10_000);
    const leftMs = Date.now() - killedAt;
    // The hold lease (5 s TTL, refreshed by the victim until it died) expires by its TTL.
    await eventually(() => expect(live.has("granted")).toBe(true), 10_000);
    console.log(`kill -9: the dead instance's 2 waiters left the queue ${leftMs} ms after the kill; its hold lease (TTL 5 s) expired and the next live waiter was granted ${live.when("granted")! - killedAt} ms after it`);
    expect(leftMs).toBeLessThan(6_000);
    const sinceKill = events.slice(seen);
    // The dead waiters had 60 s TTLs: had either been granted, survivor-w3 would wait a minute.
    expect(sinceKill.filter((e) => e.kind === "granted").map((e) => e.lease?.owner)).toEqual(["survivor-w3"]);
    expect(sinceKill.filter((e) => e.kind === "dequeued")).toHaveLength(2);
    expect(sinceKill.filter((e) => e.kind === "expired").map((e) => e.lease?.owner)).toEqual(["victim-holder"]);
    expect((await describe()).lock?.holders.map((h) => h.owner)).toEqual(["survivor-w3"]);
  });

  it("passes on at once a grant made to a waiter of an instance that had just died", async () => {
    const name = unique();
    victim = await spawnBatonOn(redis.url);
    const unary = lockClient("connect-json-h1", survivor.url);
    const { lease } = await unary.acquire({ name, owner: "holder", ttlMs: 60_000n });
    const dead = waitStream(victim.url, { name, owner: "victim-w1", hold: false, ttlMs: 60_000n });
    streams.push(dead);
    await eventually(() => expect(dead.has("queued")).toBe(true));
    const live = waitStream(survivor.url, { name, owner: "survivor-w2", hold: false, ttlMs: 60_000n });
    streams.push(live);
    await eventually(() => expect(live.has("queued")).toBe(true));

    const killedAt = await kill(victim.child);
    // Before the victim's presence lapses: the permit goes to its waiter, at the head, whom no
    // one will ever tell; that grant must not hold the lock for its 60 s TTL.
    await unary.release({ name, token: lease!.token });
    const releasedAt = Date.now();
    const info = await unary.describe({ name });
    expect(info.lock?.holders.map((h) => h.owner)).toEqual(["victim-w1"]);
    await eventually(() => expect(live.has("granted")).toBe(true), 10_000);
    const gapMs = live.when("granted")! - releasedAt;
    console.log(`kill -9: a grant to the dead instance's waiter (made ${releasedAt - killedAt} ms after the kill) passed on to the next waiter ${gapMs} ms later, ${live.when("granted")! - killedAt} ms after the kill`);
    expect(live.when("granted")! - killedAt).toBeLessThan(6_000);
    const after = await unary.describe({ name });
    expect(after.lock?.holders.map((h) => h.owner)).toEqual(["survivor-w2"]);
    expect(after.lock?.waiters).toEqual([]);
  });

  it("takes the place of an instance paused past its presence TTL, and never gives it a grant that passed on", async () => {
    const name = unique();
    victim = await spawnBatonOn(redis.url);
    const unary = lockClient("connect-json-h1", survivor.url);
    const { lease } = await unary.acquire({ name, owner: "holder", ttlMs: 60_000n });
    const paused = waitStream(victim.url, { name, owner: "paused-w1", hold: true, ttlMs: 60_000n });
    streams.push(paused);
    await eventually(() => expect(paused.has("queued")).toBe(true));
    const live = waitStream(survivor.url, { name, owner: "live-w2", hold: true, ttlMs: 60_000n });
    streams.push(live);
    await eventually(() => expect(live.has("queued")).toBe(true));
    const behind = waitStream(victim.url, { name, owner: "paused-w3", hold: false, ttlMs: 60_000n });
    streams.push(behind);
    await eventually(() => expect(behind.has("queued")).toBe(true));

    victim.child.kill("SIGSTOP");
    try {
      // The grant goes to the paused instance's waiter; once its presence lapses it is evicted,
      // the grant released and the permit passed on.
      await unary.release({ name, token: lease!.token });
      await eventually(() => expect(live.has("granted")).toBe(true), 10_000);
    } finally {
      victim.child.kill("SIGCONT");
    }
    // Its queued waiter was evicted too. Back, the paused instance finds its grant gone (its
    // claim fails) and its other waiter dequeued, and queues both again, behind the holder: the
    // stream never hears of the grant that passed on.
    const describe = () => unary.describe({ name });
    await eventually(async () => expect((await describe()).lock?.waiters.map((w) => w.owner).sort()).toEqual(["paused-w1", "paused-w3"]), 10_000);
    expect(paused.has("granted")).toBe(false);
    expect((await describe()).lock?.holders.map((h) => h.owner)).toEqual(["live-w2"]);
    const first = live.events.find((e) => e.event.case === "granted")!;
    await live.close();
    await eventually(() => expect(paused.has("granted") || behind.has("granted")).toBe(true), 10_000);
    const second = [...paused.events, ...behind.events].find((e) => e.event.case === "granted")!;
    const fencing = (e: WaitResponse) => (e.event.case === "granted" ? e.event.value.fencing : 0n);
    expect(fencing(second)).toBeGreaterThan(fencing(first));
  });
});
