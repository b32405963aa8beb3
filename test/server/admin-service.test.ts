import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { AdminService, HoldEnd, type OverviewResponse } from "../../src/gen/baton/admin/v1/admin_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { TRANSPORTS, transportFor } from "../helpers/clients.js";
import { Scenario } from "./web-page-scenario.js";

/** Reads Overview frames until `done` says so (or 40 frames). */
async function frames(admin: Client<typeof AdminService>, request: Parameters<Client<typeof AdminService>["overview"]>[0], done: (f: OverviewResponse[]) => boolean): Promise<OverviewResponse[]> {
  const seen: OverviewResponse[] = [];
  const controller = new AbortController();
  try {
    for await (const frame of admin.overview(request, { signal: controller.signal })) {
      seen.push(frame);
      if (done(seen) || seen.length >= 40) break;
    }
  } finally {
    controller.abort();
  }
  return seen;
}

describe("AdminService", () => {
  let server: TestServer;
  let scenario: Scenario;
  beforeAll(async () => {
    server = await startServer();
    scenario = new Scenario(server.url);
  });
  afterAll(async () => {
    await scenario.close();
    await server.close();
  });

  it.each(TRANSPORTS)("Overview reports the load, the traffic and the activity (%s)", async (kind) => {
    const admin = createClient(AdminService, transportFor(kind, server.url));
    const key = `ov/${kind}`;
    await scenario.session(`s-${kind}`, `ov/session/${kind}`);
    await scenario.waitFor(`${key}/waited`, "w");
    await scenario.arrive(`${key}/barrier`, 2, "b");
    await scenario.signal(`${key}/set`, "setter", "p");
    const seen = await frames(admin, { prefix: key, intervalMs: 250n }, (f) => f.some((frame) => frame.seconds.some((s) => s.grants > 0)));
    const first = seen[0];
    expect(first!.load!.sessions).toBeGreaterThanOrEqual(1);
    expect(first!.load!.sessionLeases).toBeGreaterThanOrEqual(1);
    expect(first!.load!.rendezvousStreams).toBeGreaterThanOrEqual(2);
    // The session's grant shows in the traffic once its second has closed.
    expect(seen.flatMap((f) => f.seconds).reduce((n, s) => n + s.grants, 0)).toBeGreaterThanOrEqual(1);
    const r = first!.activity!.rendezvous!;
    expect(r.set.map((s) => s.key)).toEqual([`${key}/set`]);
    expect(r.waiting.map((w) => [w.key, w.owners])).toEqual([[`${key}/waited`, ["w"]]]);
    expect(r.barriers.map((b) => [b.key, b.arrived, b.parties])).toEqual([[`${key}/barrier`, 1, 2]]);
  });

  it("sends the activity only when it changed, and at once after a rendezvous change", async () => {
    const admin = createClient(AdminService, transportFor("connect-json-h1", server.url));
    const seen = await frames(admin, { prefix: "quiet/", intervalMs: 60_000n }, (f) => {
      if (f.length === 1) void scenario.signal("quiet/now", "me");
      return f.length === 2;
    });
    // The second frame came long before the 60 s interval: the signal woke the stream.
    expect(seen[0]!.activity!.rendezvous!.set).toEqual([]);
    expect(seen[1]!.activity!.rendezvous!.set.map((s) => s.key)).toEqual(["quiet/now"]);
    const unchanged = await frames(admin, { prefix: "quiet/", intervalMs: 250n }, (f) => f.length === 3);
    expect(unchanged[0]!.activity).toBeDefined();
    expect(unchanged[1]!.activity).toBeUndefined();
    expect(unchanged[2]!.activity).toBeUndefined();
  });

  it("LockHistory lists the recent holds, newest first, with fencing tokens, waits and hold times", async () => {
    const admin = createClient(AdminService, transportFor("grpc-h2", server.url));
    const a = (await scenario.locks.acquire({ name: "hist/a", owner: "one", waitMs: 0n })).lease!;
    await scenario.locks.release({ name: "hist/a", token: a.token });
    const b = (await scenario.locks.acquire({ name: "hist/a", owner: "two", waitMs: 0n })).lease!;
    const answer = await admin.lockHistory({ name: "hist/a" });
    expect(answer.keptPerLock).toBe(16);
    expect(answer.holds.map((h) => [h.owner, h.fencing, h.end])).toEqual([
      ["two", b.fencing, HoldEnd.HELD],
      ["one", a.fencing, HoldEnd.RELEASED],
    ]);
    expect(answer.holds[0]!.endedAt).toBeUndefined();
    expect(answer.holds[1]!.endedAt).toBeDefined();
    expect(answer.holds[1]!.waitedMs).toBe(0n);
    expect(answer.holds[1]!.heldMs).toBeGreaterThanOrEqual(0n);
    expect((await admin.lockHistory({ name: "hist/never" })).holds).toEqual([]);
  });

  it("refuses bad input with invalid_argument, naming the field", async () => {
    const admin = createClient(AdminService, transportFor("connect-json-h1", server.url));
    for (const request of [{ intervalMs: 10n }, { intervalMs: 120_000n }, { prefix: "bad prefix" }, { pageSize: 5000 }]) {
      const error = await frames(admin, request, () => true).catch((e: unknown) => ConnectError.from(e));
      expect(error, JSON.stringify(request, (_k, v) => (typeof v === "bigint" ? String(v) : v))).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    }
    const error = await admin.lockHistory({ name: "" }).catch((e: unknown) => ConnectError.from(e));
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
  });
});
