import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { RawSession, h2Client, startSessionServer } from "./raw-session.js";
import { createBatonClient } from "../../src/client/index.js";

let servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
const start = async (ttlMs: number) => {
  const server = await startSessionServer(ttlMs);
  servers.push(server);
  return server;
};

describe("Session disconnects", () => {

  it("keeps a killed session's leases for its TTL, and its waiters leave the queue at once", async () => {
    // A long TTL shows the two apart: the waiter is gone while the lease is still kept.
    const server = await start(60_000);
    const observer = h2Client(server.url);
    const other = new RawSession(h2Client(server.url));
    other.send(1n, { case: "acquire", value: { name: "busy", owner: "other", waitMs: 0n } });
    await other.answer(1n);
    const s = new RawSession(h2Client(server.url));
    s.send(1n, { case: "acquire", value: { name: "held", owner: "victim", waitMs: 0n } });
    s.send(2n, { case: "acquire", value: { name: "busy", owner: "victim", waitMs: undefined } });
    await s.answer(1n);
    await s.answer(2n, "queued");
    s.kill();
    await eventually(async () => expect((await observer.describe({ name: "busy" })).lock!.waiters).toEqual([]));
    expect((await observer.describe({ name: "held" })).lock!.holders.map((h) => h.owner)).toEqual(["victim"]);
    other.close();
  });

  it("releases a killed session's leases once its TTL has passed since its last message", async () => {
    const server = await start(200);
    const observer = h2Client(server.url);
    const s = new RawSession(h2Client(server.url));
    s.send(1n, { case: "acquire", value: { name: "crash", owner: "victim", waitMs: 0n, ttlMs: 3_600_000n } });
    s.send(2n, { case: "acquire", value: { name: "crash-2", owner: "victim", waitMs: 0n, ttlMs: 3_600_000n } });
    await s.answer(1n);
    await s.answer(2n);
    s.kill();
    // The TTL is an hour: only the end of the session can free these locks.
    await eventually(async () => {
      expect((await observer.describe({ name: "crash" })).lock!.holders).toEqual([]);
      expect((await observer.describe({ name: "crash-2" })).lock!.holders).toEqual([]);
    }, 5000);
    // The next waiter gets the lock.
    const next = new RawSession(h2Client(server.url));
    next.send(1n, { case: "acquire", value: { name: "crash", owner: "next", waitMs: 0n } });
    expect((await next.answer(1n)).result.case).toBe("acquired");
    next.close();
  });

  it("ends a session that sends nothing for the TTL it chose, and releases its leases", async () => {
    const server = await start(60_000);
    const observer = h2Client(server.url);
    const s = new RawSession(h2Client(server.url));
    s.send(1n, { case: "open", value: { ttlMs: 200n } });
    const opened = await s.answer(1n);
    expect(opened.result).toMatchObject({ case: "opened", value: { ttlMs: 200n } });
    s.send(2n, { case: "acquire", value: { name: "silent", owner: "silent", waitMs: 0n, ttlMs: 3_600_000n } });
    await s.answer(2n);
    // No pings: after 200 ms the server ends the stream and frees the hour-long lease.
    await s.finished;
    expect(String(s.ended)).toContain("no message from the client for 200 ms");
    await eventually(async () => expect((await observer.describe({ name: "silent" })).lock!.holders).toEqual([]), 5000);
  });

  it("the TypeScript client's pings keep a quiet session and its lease alive past the session TTL", async () => {
    // A TTL long enough that a loaded machine's late timers do not end the session by accident.
    const server = await start(1000);
    const observer = h2Client(server.url);
    const c = createBatonClient(server.url, { httpVersion: "2", owner: "pinger" });
    const lease = await c.acquire("pinged", { ttlMs: 3_600_000 });
    await new Promise((r) => setTimeout(r, 3500));
    expect((await observer.describe({ name: "pinged" })).lock!.holders.map((h) => h.fencing)).toEqual([lease.fencing]);
    expect(await c.release(lease)).toBe(lease.fencing);
    c.close();
  });

  it("ends every session with unavailable on shutdown and releases their leases", async () => {
    const server = await startSessionServer(60_000);
    const s = new RawSession(h2Client(server.url));
    s.send(1n, { case: "acquire", value: { name: "shut", owner: "o", waitMs: 0n } });
    await s.answer(1n);
    await server.engine.close(2000);
    await s.finished;
    expect(String(s.ended)).toContain("shutting down");
    expect((await server.engine.describe("shut")).holders).toEqual([]);
    await server.close();
  });

  it("the TypeScript client over HTTP/2: close() releases its leases at once; a dropped connection's lease is reported lost", async () => {
    const server = await start(60_000);
    const observer = h2Client(server.url);
    const a = createBatonClient(server.url, { httpVersion: "2", owner: "a" });
    const lease = await a.acquire("client-close", { ttlMs: 3_600_000 });
    expect((await observer.describe({ name: "client-close" })).lock!.holders.map((h) => h.fencing)).toEqual([lease.fencing]);
    a.close();
    await eventually(async () => expect((await observer.describe({ name: "client-close" })).lock!.holders).toEqual([]));

    const b = createBatonClient(server.url, { httpVersion: "2", owner: "b" });
    const held = await b.acquire("client-drop");
    // Drop the session's connection from the server side.
    await server.engine.close(2000);
    const refreshed = await b.refresh(held).catch((e: unknown) => e);
    expect(String(refreshed)).toMatch(/session|unavailable|shutting down/i);
    b.close();
  });
});
