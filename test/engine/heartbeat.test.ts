import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient, TRANSPORTS } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";

/** Idle Wait streams carry heartbeats, so proxies with an idle timeout keep them open. */
describe("Wait heartbeats", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ waitHeartbeatMs: 50 });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(TRANSPORTS)("reach a queued waiter and a held lease over %s, without disturbing either", async (kind) => {
    const client = lockClient(kind, server.url);
    const name = `heartbeat/${kind}`;
    const holding = new AbortController();
    const waiting = new AbortController();
    const held: string[] = [];
    const holder = (async () => {
      for await (const e of client.wait({ name, owner: "holder", hold: true, ttlMs: 60_000n }, { signal: holding.signal })) held.push(e.event.case ?? "");
    })().catch(() => undefined);
    await eventually(() => expect(held[0]).toBe("granted"));
    const waited: string[] = [];
    const waiter = (async () => {
      for await (const e of client.wait({ name, owner: "waiter" }, { signal: waiting.signal })) waited.push(e.event.case ?? "");
    })().catch(() => undefined);
    await eventually(() => expect(waited.filter((c) => c === "heartbeat").length).toBeGreaterThanOrEqual(2));
    await eventually(() => expect(held.filter((c) => c === "heartbeat").length).toBeGreaterThanOrEqual(2));
    expect(waited[0]).toBe("queued");
    expect(held).not.toContain("lost");
    const info = await client.describe({ name });
    expect(info.lock?.holders.map((h) => h.owner)).toEqual(["holder"]);
    expect(info.lock?.waiters.map((w) => w.owner)).toEqual(["waiter"]);
    // The waiter leaves first: cut both at once and the holder's release could hand the lock to
    // the waiter in the instant before its own cancel arrives (a grant the server had already
    // written; that lease then lives out its TTL, as any grant whose client vanished does).
    waiting.abort();
    await waiter;
    await eventually(async () => expect((await client.describe({ name })).lock?.waiters).toEqual([]));
    holding.abort();
    await holder;
    await eventually(async () => {
      const after = await client.describe({ name });
      expect(after.lock?.holders).toEqual([]);
      expect(after.lock?.waiters).toEqual([]);
    });
  });

  it("are not sent when turned off", async () => {
    const quiet = await startServer({ waitHeartbeatMs: 0 });
    try {
      const client = lockClient("grpc-h2", quiet.url);
      await client.acquire({ name: "quiet" });
      const ctl = new AbortController();
      const seen: string[] = [];
      const waiter = (async () => {
        for await (const e of client.wait({ name: "quiet" }, { signal: ctl.signal })) seen.push(e.event.case ?? "");
      })().catch(() => undefined);
      await eventually(() => expect(seen).toEqual(["queued"]));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toEqual(["queued"]);
      ctl.abort();
      await waiter;
    } finally {
      await quiet.close();
    }
  });
});
