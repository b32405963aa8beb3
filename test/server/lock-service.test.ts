import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { LockEventKind, type WaitResponse } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient, TRANSPORTS } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ minTtlMs: 50 });
});
afterAll(async () => {
  await server.close();
});

let n = 0;
const unique = (base: string) => `${base}-${n++}`;
const codeOf = (error: unknown) => (error instanceof ConnectError ? error.code : undefined);

describe.each(TRANSPORTS)("LockService over %s", (kind) => {
  const client = () => lockClient(kind, server.url);

  it("acquires, refuses a second holder with the holder's name, releases", async () => {
    const c = client();
    const name = unique("basic");
    const { lease } = await c.acquire({ name, owner: "alice", ttlMs: 5000n });
    expect(lease?.token).toMatch(/^[0-9a-f]{32}$/);
    expect(lease?.fencing).toBeGreaterThan(0n);
    const error = await c.acquire({ name, owner: "bob", waitMs: 0n }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.Aborted);
    expect((error as ConnectError).rawMessage).toContain("alice");
    const released = await c.release({ name, token: lease!.token });
    expect(released.fencing).toBe(lease!.fencing);
    const again = await c.release({ name, token: lease!.token }).catch((e: unknown) => e);
    expect(codeOf(again)).toBe(Code.FailedPrecondition);
  });

  it("streams queue positions then the grant, and describes holders and waiters", async () => {
    const c = client();
    const name = unique("wait");
    const { lease } = await c.acquire({ name, owner: "first" });
    const events: WaitResponse[] = [];
    const done = (async () => {
      for await (const e of c.wait({ name, owner: "second" })) events.push(e);
    })();
    await eventually(() => expect(events[0]?.event.case).toBe("queued"));
    expect(events[0]?.event.value).toMatchObject({ position: 1, queueLength: 1 });
    const info = await c.describe({ name });
    expect(info.lock?.holders.map((h) => h.owner)).toEqual(["first"]);
    expect(info.lock?.waiters.map((w) => [w.owner, w.position])).toEqual([["second", 1]]);
    await c.release({ name, token: lease!.token });
    await done;
    const last = events.at(-1);
    expect(last?.event.case).toBe("granted");
    if (last?.event.case === "granted") expect(last.event.value?.fencing).toBeGreaterThan(lease!.fencing);
  });

  it("acquires with wait_ms once the holder releases, or fails with deadline_exceeded", async () => {
    const c = client();
    const name = unique("waitms");
    const { lease } = await c.acquire({ name });
    const timedOut = await c.acquire({ name, waitMs: 100n }).catch((e: unknown) => e);
    expect(codeOf(timedOut)).toBe(Code.DeadlineExceeded);
    const pending = c.acquire({ name, waitMs: 5000n });
    await eventually(async () => expect((await c.describe({ name })).lock?.waiters).toHaveLength(1));
    await c.release({ name, token: lease!.token });
    expect((await pending).lease?.fencing).toBeGreaterThan(lease!.fencing);
  });

  it("refreshes a lease and refuses a stale token", async () => {
    const c = client();
    const name = unique("refresh");
    const { lease } = await c.acquire({ name, ttlMs: 1000n });
    const { lease: refreshed } = await c.refresh({ name, token: lease!.token, ttlMs: 60000n });
    expect(refreshed?.ttlMs).toBe(60000n);
    expect(Number(refreshed?.expiresAt?.seconds)).toBeGreaterThan(Number(lease?.expiresAt?.seconds) + 50);
    const bad = await c.refresh({ name, token: "0".repeat(32) }).catch((e: unknown) => e);
    expect(codeOf(bad)).toBe(Code.FailedPrecondition);
  });

  it("runs semaphores with a limit and refuses a conflicting limit", async () => {
    const c = client();
    const name = unique("sem");
    for (let i = 0; i < 3; i++) await c.acquire({ name, limit: 3 });
    expect(codeOf(await c.acquire({ name, limit: 3, waitMs: 0n }).catch((e: unknown) => e))).toBe(Code.Aborted);
    expect(codeOf(await c.acquire({ name, limit: 5 }).catch((e: unknown) => e))).toBe(Code.FailedPrecondition);
    expect((await c.describe({ name })).lock?.limit).toBe(3);
  });

  it("reserves a random name kept while idle, and lists it", async () => {
    const c = client();
    const prefix = unique("res") + "/";
    const reserved = await c.reserve({ prefix, limit: 2 });
    expect(reserved.name).toMatch(new RegExp(`^${prefix}[0-9a-f]{32}$`));
    const list = await c.list({ prefix });
    expect(list.locks.map((l) => [l.name, l.reserved, l.limit])).toEqual([[reserved.name, true, 2]]);
  });

  it("watches every change of a lock", async () => {
    const c = client();
    const name = unique("watch");
    const kinds: LockEventKind[] = [];
    const ctl = new AbortController();
    const done = (async () => {
      for await (const e of c.watch({ name, initial: true }, { signal: ctl.signal })) kinds.push(e.kind);
    })().catch(() => undefined);
    await eventually(() => expect(kinds).toEqual([LockEventKind.SNAPSHOT]));
    const { lease } = await c.acquire({ name });
    await c.refresh({ name, token: lease!.token });
    await c.release({ name, token: lease!.token });
    await eventually(() =>
      expect(kinds).toEqual([LockEventKind.SNAPSHOT, LockEventKind.GRANTED, LockEventKind.REFRESHED, LockEventKind.RELEASED]),
    );
    ctl.abort();
    await done;
  });

  it("releases a hold-on-stream lease when the client goes away", async () => {
    const c = client();
    const name = unique("hold");
    const ctl = new AbortController();
    let granted = false;
    const done = (async () => {
      for await (const e of c.wait({ name, hold: true, ttlMs: 60000n }, { signal: ctl.signal })) {
        if (e.event.case === "granted") granted = true;
      }
    })().catch(() => undefined);
    await eventually(() => expect(granted).toBe(true));
    expect((await c.describe({ name })).lock?.holders).toHaveLength(1);
    ctl.abort();
    await done;
    await eventually(async () => expect((await c.describe({ name })).lock?.holders).toEqual([]));
  });

  it("takes a waiter whose client went away out of the queue", async () => {
    const c = client();
    const name = unique("leave");
    await c.acquire({ name });
    const ctl = new AbortController();
    const done = (async () => {
      for await (const _ of c.wait({ name }, { signal: ctl.signal })) void _;
    })().catch(() => undefined);
    await eventually(async () => expect((await c.describe({ name })).lock?.waiters).toHaveLength(1));
    ctl.abort();
    await done;
    await eventually(async () => expect((await c.describe({ name })).lock?.waiters).toEqual([]));
  });

  it("respects the client's deadline on a wait", async () => {
    const c = client();
    const name = unique("deadline");
    await c.acquire({ name });
    const error = await c.acquire({ name, waitMs: 60000n }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.DeadlineExceeded);
    await eventually(async () => expect((await c.describe({ name })).lock?.waiters).toEqual([]));
  });
});
