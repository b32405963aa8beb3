import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";
import { RawSession, h2Client } from "./raw-session.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ minTtlMs: 50 });
});
afterAll(async () => {
  await server.close();
});

let n = 0;
const unique = (base: string) => `session-${base}-${n++}`;
const acquire = (name: string, waitMs: bigint | null = 0n, extra: { ttlMs?: bigint; limit?: number; owner?: string } = {}) =>
  ({ case: "acquire", value: { name, owner: extra.owner ?? "tester", waitMs: waitMs ?? undefined, ttlMs: extra.ttlMs, limit: extra.limit } }) as const;
const release = (name: string, token: string) => ({ case: "release", value: { name, token } }) as const;
const leaseOf = (r: { result: { case?: string; value?: unknown } }) => {
  if (r.result.case !== "acquired") throw new Error(`expected acquired, got ${r.result.case}: ${JSON.stringify(r.result.value)}`);
  return r.result.value as { token: string; fencing: bigint; name: string };
};

describe.each(["connect", "grpc"] as const)("Session over %s/h2", (kind) => {
  const client = () => h2Client(server.url, kind);
  const describeLock = (name: string) => client().describe({ name }).then((r) => r.lock!);

  it("opens with a TTL, acquires, refreshes and releases by request id", async () => {
    const s = new RawSession(client());
    const name = unique("basic");
    s.send(1n, { case: "open", value: { owner: "basic-owner" } });
    const opened = await s.answer(1n);
    expect(opened.result.case).toBe("opened");
    expect(Number((opened.result.value as { ttlMs: bigint }).ttlMs)).toBeGreaterThan(0);
    s.send(7n, acquire(name, 0n, { ttlMs: 5000n }));
    const lease = leaseOf(await s.answer(7n));
    expect(lease.token).toMatch(/^[0-9a-f]{32}$/);
    expect(lease.fencing).toBeGreaterThan(0n);
    s.send(8n, { case: "refresh", value: { name, token: lease.token, ttlMs: 20_000n } });
    const refreshed = await s.answer(8n);
    expect(refreshed.result.case).toBe("refreshed");
    expect(Number((refreshed.result.value as { ttlMs: bigint }).ttlMs)).toBe(20_000);
    s.send(9n, release(name, lease.token));
    const released = await s.answer(9n);
    expect(released.result).toMatchObject({ case: "released", value: { fencing: lease.fencing } });
    expect((await describeLock(name)).holders).toEqual([]);
    s.close();
    await s.finished;
    expect(s.ended).toBeUndefined();
  });

  it("answers a busy try with aborted naming the holder, and the stream stays up", async () => {
    const a = new RawSession(client());
    const b = new RawSession(client());
    const name = unique("busy");
    a.send(1n, acquire(name, 0n, { owner: "alice" }));
    const lease = leaseOf(await a.answer(1n));
    b.send(1n, acquire(name, 0n, { owner: "bob" }));
    const refused = await b.answer(1n);
    expect(refused.result).toMatchObject({ case: "error", value: { code: "aborted" } });
    expect((refused.result.value as { message: string }).message).toContain("alice");
    a.send(2n, release(name, lease.token));
    await a.answer(2n);
    b.send(2n, acquire(name, 0n, { owner: "bob" }));
    expect(leaseOf(await b.answer(2n)).fencing).toBeGreaterThan(lease.fencing);
    a.close();
    b.close();
  });

  it("queues a waiting acquire, reports positions as they change, then grants in FIFO order", async () => {
    const name = unique("queue");
    const holder = new RawSession(client());
    holder.send(1n, acquire(name));
    const first = leaseOf(await holder.answer(1n));
    const w1 = new RawSession(client());
    const w2 = new RawSession(client());
    w1.send(5n, acquire(name, null, { owner: "w1" }));
    expect((await w1.answer(5n, "queued")).result.value).toMatchObject({ position: 1, queueLength: 1 });
    w2.send(6n, acquire(name, 60_000n, { owner: "w2" }));
    expect((await w2.answer(6n, "queued")).result.value).toMatchObject({ position: 2, queueLength: 2 });
    holder.send(2n, release(name, first.token));
    const second = leaseOf(await w1.answer(5n, "acquired"));
    expect(second.fencing).toBeGreaterThan(first.fencing);
    await eventually(() => expect(w2.answersTo(6n).at(-1)?.result.value).toMatchObject({ position: 1 }));
    w1.send(7n, release(name, second.token));
    const third = leaseOf(await w2.answer(6n, "acquired"));
    expect(third.fencing).toBeGreaterThan(second.fencing);
    for (const s of [holder, w1, w2]) s.close();
  });

  it("sends a quiet acquire its position on joining only", async () => {
    const name = unique("quiet");
    const holder = new RawSession(client());
    holder.send(1n, acquire(name));
    const first = leaseOf(await holder.answer(1n));
    const w1 = new RawSession(client());
    const quiet = new RawSession(client());
    const loud = new RawSession(client());
    w1.send(1n, acquire(name, null));
    await w1.answer(1n, "queued");
    quiet.send(1n, acquire(name, null), true);
    await quiet.answer(1n, "queued");
    const rq = quiet.answersTo(1n);
    expect(rq.at(-1)?.result.value).toMatchObject({ position: 2 });
    loud.send(1n, acquire(name, null));
    await loud.answer(1n, "queued");
    holder.send(2n, release(name, first.token));
    // Once the loud waiter behind it has heard of its move, the quiet one would have too.
    await eventually(() => expect(loud.answersTo(1n).at(-1)?.result.value).toMatchObject({ position: 2 }));
    expect(quiet.answersTo(1n).filter((r) => r.result.case === "queued")).toHaveLength(1);
    for (const s of [holder, w1, quiet, loud]) s.close();
  });

  it("times a wait out with deadline_exceeded and takes it out of the queue", async () => {
    const name = unique("timeout");
    const holder = new RawSession(client());
    holder.send(1n, acquire(name));
    await holder.answer(1n);
    const w = new RawSession(client());
    w.send(2n, acquire(name, 100n));
    expect((await w.answer(2n)).result).toMatchObject({ case: "error", value: { code: "deadline_exceeded" } });
    expect((await describeLock(name)).waiters).toEqual([]);
    w.send(3n, acquire(unique("other")));
    expect((await w.answer(3n)).result.case).toBe("acquired");
    holder.close();
    w.close();
  });

  it("cancels a pending acquire by its id: canceled, and it leaves the queue", async () => {
    const name = unique("cancel");
    const holder = new RawSession(client());
    holder.send(1n, acquire(name));
    await holder.answer(1n);
    const w = new RawSession(client());
    w.send(4n, acquire(name, null));
    await w.answer(4n, "queued");
    w.send(0n, { case: "cancel", value: { requestId: 4n } });
    expect((await w.answer(4n)).result).toMatchObject({ case: "error", value: { code: "canceled" } });
    await eventually(async () => expect((await describeLock(name)).waiters).toEqual([]));
    holder.close();
    w.close();
  });

  it("keeps session leases alive past their TTL while the session lives", async () => {
    const name = unique("alive");
    const s = new RawSession(client());
    s.send(1n, acquire(name, 0n, { ttlMs: 150n }));
    const lease = leaseOf(await s.answer(1n));
    // Several TTLs later the lease is still the same one.
    await new Promise((r) => setTimeout(r, 700));
    const lock = await describeLock(name);
    expect(lock.holders.map((h) => h.fencing)).toEqual([lease.fencing]);
    expect(s.answersTo(1n).some((r) => r.result.case === "lost")).toBe(false);
    s.close();
  });

  it("releases every lease and leaves every queue at once when the client closes its side", async () => {
    const held = unique("close-held");
    const busy = unique("close-busy");
    const other = new RawSession(client());
    other.send(1n, acquire(busy));
    await other.answer(1n);
    const s = new RawSession(client());
    s.send(1n, acquire(held));
    s.send(2n, acquire(held + "-b", 0n, { limit: 2 }));
    s.send(3n, acquire(busy, null));
    await s.answer(1n);
    await s.answer(2n);
    await s.answer(3n, "queued");
    s.close();
    await s.finished;
    expect(s.ended).toBeUndefined();
    expect((await s.answer(3n)).result).toMatchObject({ case: "error", value: { code: "canceled" } });
    expect((await describeLock(held)).holders).toEqual([]);
    expect((await describeLock(held + "-b")).holders).toEqual([]);
    expect((await describeLock(busy)).waiters).toEqual([]);
    other.close();
  });

  it("reports a session lease released through another API as lost", async () => {
    const name = unique("lost");
    const s = new RawSession(client());
    s.send(1n, acquire(name));
    const lease = leaseOf(await s.answer(1n));
    await client().release({ name, token: lease.token });
    expect((await s.answer(1n, "lost")).result.case).toBe("lost");
    s.close();
  });
});
