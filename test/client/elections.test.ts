import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatonClient, type BatonClient, type BatonClientOptions, type Leader } from "../../src/client/index.js";
import { eventually } from "../helpers/eventually.js";
import { startServer, type TestServer } from "../helpers/server.js";

/** Every transport × HTTP version the client offers (as in client.test.ts). */
const MATRIX: Array<[string, BatonClientOptions]> = [
  ["connect/h1", { transport: "connect", httpVersion: "1.1" }],
  ["connect-json/h1", { transport: "connect", httpVersion: "1.1", json: true }],
  ["connect/h2", { transport: "connect", httpVersion: "2" }],
  ["grpc/h2", { transport: "grpc", httpVersion: "2" }],
  ["grpc-web/h1", { transport: "grpc-web", httpVersion: "1.1" }],
];

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ minTtlMs: 50 });
});
afterAll(async () => {
  await server.close();
});

describe.each(MATRIX)("client elections, shared and weighted locks over %s", (label, options) => {
  let alice: BatonClient;
  let bob: BatonClient;
  const unique = (what: string) => `client-claims/${label.replace("/", "-")}/${what}/${randomBytes(4).toString("hex")}`;

  beforeAll(() => {
    alice = createBatonClient(server.url, { ...options, owner: "alice" });
    bob = createBatonClient(server.url, { ...options, owner: "bob" });
  });
  afterAll(() => {
    alice.close();
    bob.close();
  });

  it("campaigns, observes the leader first and every change, proclaims and resigns", async () => {
    const name = unique("election");
    expect(await alice.leader(name)).toBeNull();
    const seen: (Leader | null)[] = [];
    const ctl = new AbortController();
    const watching = (async () => {
      for await (const leader of bob.observe(name, { signal: ctl.signal })) seen.push(leader);
    })().catch(() => undefined);
    await eventually(() => expect(seen).toEqual([null]));
    const lead = await alice.campaign(name, { value: "alice:1" });
    expect(lead).toMatchObject({ value: "alice:1", permits: 1, shared: false });
    const bobs = bob.campaign(name, { value: "bob:1" });
    await eventually(async () => expect((await alice.describe(name)).waiters.map((w) => w.owner)).toEqual(["bob"]));
    expect(await alice.proclaim(lead, "alice:2")).toMatchObject({ owner: "alice", value: "alice:2", term: lead.fencing });
    expect(await alice.leader(name)).toMatchObject({ owner: "alice", value: "alice:2" });
    expect(await alice.resign(lead)).toBe(lead.fencing);
    const bobLead = await bobs;
    expect(bobLead.fencing).toBeGreaterThan(lead.fencing);
    await eventually(() => expect(seen.at(-1)).toMatchObject({ owner: "bob", value: "bob:1", term: bobLead.fencing }));
    expect(seen.filter((l) => l !== null).map((l) => `${l!.owner}:${l!.value}`)).toEqual(["alice:alice:1", "alice:alice:2", "bob:bob:1"]);
    const stale = await alice.proclaim(lead, "x").catch((e: unknown) => e);
    expect(stale instanceof ConnectError && stale.code).toBe(Code.FailedPrecondition);
    await bob.resign(bobLead);
    await eventually(() => expect(seen.at(-1)).toBeNull());
    ctl.abort();
    await watching;
  });

  it("takes shared and weighted permits", async () => {
    const rw = unique("rw");
    const r1 = await alice.acquire(rw, { shared: true });
    const r2 = await bob.acquire(rw, { shared: true });
    expect([r1.shared, r2.shared]).toEqual([true, true]);
    expect(await bob.tryAcquire(rw)).toBeNull();
    const writer = bob.acquire(rw, { value: "migration" });
    await eventually(async () => expect((await alice.describe(rw)).waiters.map((w) => w.shared)).toEqual([false]));
    // A reader after a queued writer waits behind it.
    expect(await alice.tryAcquire(rw, { shared: true })).toBeNull();
    await alice.release(r1);
    await bob.release(r2);
    const w = await writer;
    expect(w).toMatchObject({ shared: false, value: "migration" });
    await bob.release(w);

    const gpus = unique("gpus");
    const four = await alice.acquire(gpus, { limit: 8, permits: 4 });
    const three = await bob.acquire(gpus, { permits: 3 });
    expect((await alice.describe(gpus)).holders.map((h) => h.permits)).toEqual([4, 3]);
    expect(await bob.tryAcquire(gpus, { permits: 2 })).toBeNull();
    const tooMany = await bob.acquire(gpus, { permits: 9 }).catch((e: unknown) => e);
    expect(tooMany instanceof ConnectError && tooMany.code).toBe(Code.InvalidArgument);
    await alice.release(four);
    await bob.release(three);
  });
});

describe("client elections over a session (HTTP/2)", () => {
  it("hands leadership to the next candidate at once when the leader's client dies", async () => {
    const name = `client-claims/session-death/${randomBytes(4).toString("hex")}`;
    const leaderClient = createBatonClient(server.url, { transport: "connect", httpVersion: "2", owner: "doomed" });
    const next = createBatonClient(server.url, { transport: "connect", httpVersion: "2", owner: "next" });
    try {
      const first = await leaderClient.campaign(name, { value: "doomed" });
      const second = next.campaign(name, { value: "next" });
      await eventually(async () => expect((await next.describe(name)).waiters).toHaveLength(1));
      // The leader's process goes away: its session ends, and its leadership with it.
      leaderClient.close();
      const lead = await second;
      expect(lead.fencing).toBeGreaterThan(first.fencing);
      expect(await next.leader(name)).toMatchObject({ owner: "next", term: lead.fencing });
      await next.resign(lead);
    } finally {
      leaderClient.close();
      next.close();
    }
  });
});
