import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatonClient, LeaseLostError, type BatonClient, type BatonClientOptions, type LockChange, type WaitEvent } from "../../src/client/index.js";
import { eventually } from "../helpers/eventually.js";
import { startServer, type TestServer } from "../helpers/server.js";

/** Every transport × HTTP version the client offers. */
const MATRIX: Array<[string, BatonClientOptions]> = [
  ["connect/h1", { transport: "connect", httpVersion: "1.1" }],
  ["connect-json/h1", { transport: "connect", httpVersion: "1.1", json: true }],
  ["connect/h2", { transport: "connect", httpVersion: "2" }],
  ["grpc/h2", { transport: "grpc", httpVersion: "2" }],
  ["grpc-web/h1", { transport: "grpc-web", httpVersion: "1.1" }],
  ["grpc-web/h2", { transport: "grpc-web", httpVersion: "2" }],
];

/** Reads an async iterable into an array as events come, so a test can look at it meanwhile. */
function collect<T>(iterable: AsyncIterable<T>): { events: T[]; done: Promise<unknown> } {
  const events: T[] = [];
  const done = (async () => {
    try {
      for await (const event of iterable) events.push(event);
      return undefined;
    } catch (error) {
      return error;
    }
  })();
  return { events, done };
}

function codeOf(error: unknown): Code | undefined {
  return error instanceof ConnectError ? error.code : undefined;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe.each(MATRIX)("client over %s", (label, options) => {
  let alice: BatonClient;
  let bob: BatonClient;
  const unique = (what: string) => `client/${label.replace("/", "-")}/${what}/${randomBytes(4).toString("hex")}`;

  beforeAll(() => {
    alice = createBatonClient(server.url, { ...options, owner: "alice" });
    bob = createBatonClient(server.url, { ...options, owner: "bob" });
  });
  afterAll(() => {
    alice.close();
    bob.close();
  });

  it("acquires a lease with token, fencing and times, sees it held, and releases it", async () => {
    const name = unique("basic");
    const lease = await alice.acquire(name, { ttlMs: 20_000 });
    expect(lease).toMatchObject({ name, owner: "alice", ttlMs: 20_000 });
    expect(lease.token).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof lease.fencing).toBe("bigint");
    expect(lease.fencing).toBeGreaterThan(0n);
    expect(lease.expiresAt.getTime() - lease.acquiredAt.getTime()).toBe(20_000);
    const held = await bob.describe(name);
    expect(held.holders).toEqual([expect.objectContaining({ owner: "alice", fencing: lease.fencing })]);
    expect(await alice.release(lease)).toBe(lease.fencing);
    expect((await bob.describe(name)).holders).toEqual([]);
  });

  it("tryAcquire answers null while the lock is held, and a higher fencing token after", async () => {
    const name = unique("try");
    const first = await alice.acquire(name);
    expect(await bob.tryAcquire(name)).toBeNull();
    await alice.release(first);
    const second = await bob.tryAcquire(name);
    expect(second).not.toBeNull();
    expect(second!.fencing).toBeGreaterThan(first.fencing);
    await bob.release(second!);
  });

  it("acquire with waitMs 0 on a held lock fails with aborted, naming the holder", async () => {
    const name = unique("busy");
    const lease = await alice.acquire(name);
    const error = await bob.acquire(name, { waitMs: 0 }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.Aborted);
    expect((error as ConnectError).rawMessage).toContain("alice");
    await alice.release(lease);
  });

  it("refuses a second release and a refresh of a released lease with failed_precondition", async () => {
    const name = unique("twice");
    const lease = await alice.acquire(name);
    await alice.release(lease);
    expect(codeOf(await alice.release(lease).catch((e: unknown) => e))).toBe(Code.FailedPrecondition);
    expect(codeOf(await alice.refresh(lease).catch((e: unknown) => e))).toBe(Code.FailedPrecondition);
  });

  it("refresh extends the lease and keeps its fencing token", async () => {
    const name = unique("refresh");
    const lease = await alice.acquire(name, { ttlMs: 5_000 });
    const longer = await alice.refresh(lease, 60_000);
    expect(longer.fencing).toBe(lease.fencing);
    expect(longer.ttlMs).toBe(60_000);
    expect(longer.expiresAt.getTime()).toBeGreaterThan(lease.expiresAt.getTime());
    await alice.release(longer);
  });

  it("wait streams queue positions on joining and on every change, then the grant", async () => {
    const name = unique("queue");
    const held = await alice.acquire(name);
    const ahead = collect<WaitEvent>(bob.wait(name, { owner: "ahead" }));
    await eventually(() => expect(ahead.events[0]).toMatchObject({ type: "queued", position: 1, queueLength: 1 }));
    const first = ahead.events[0];
    expect(first?.type === "queued" && first.holders.map((h) => h.owner)).toEqual(["alice"]);
    const behind = collect<WaitEvent>(bob.wait(name, { owner: "behind" }));
    await eventually(() => expect(behind.events[0]).toMatchObject({ type: "queued", position: 2, queueLength: 2 }));
    await alice.release(held);
    await eventually(() => expect(ahead.events.at(-1)?.type).toBe("granted"));
    await eventually(() => expect(behind.events.at(-1)).toMatchObject({ type: "queued", position: 1 }));
    const granted = ahead.events.at(-1);
    if (granted?.type !== "granted") throw new Error("no grant");
    expect(granted.lease.owner).toBe("ahead");
    expect(await ahead.done).toBeUndefined();
    await bob.release(granted.lease);
    await eventually(() => expect(behind.events.at(-1)?.type).toBe("granted"));
    const last = behind.events.at(-1);
    if (last?.type === "granted") await bob.release(last.lease);
  });

  it("breaking out of a wait leaves the queue at once", async () => {
    const name = unique("break");
    const held = await alice.acquire(name);
    for await (const event of bob.wait(name)) {
      expect(event).toMatchObject({ type: "queued", position: 1 });
      break;
    }
    await eventually(async () => expect((await alice.describe(name)).waiters).toEqual([]));
    await alice.release(held);
  });

  it("wait with hold keeps the lease while the iteration lasts and releases it when it ends", async () => {
    const name = unique("hold");
    for await (const event of bob.wait(name, { hold: true, ttlMs: 300 })) {
      if (event.type !== "granted") continue;
      // Held past its TTL by the server, because the stream is open.
      await eventually(async () => {
        const [holder] = (await alice.describe(name)).holders;
        expect(holder?.fencing).toBe(event.lease.fencing);
        expect(holder!.expiresAt.getTime()).toBeGreaterThan(event.lease.expiresAt.getTime() + 300);
      }, 5_000);
      break;
    }
    await eventually(async () => expect((await alice.describe(name)).holders).toEqual([]));
  });

  it("acquire waits in the queue, reporting its position, until the holder releases", async () => {
    const name = unique("acquire-wait");
    const held = await alice.acquire(name);
    const positions: number[] = [];
    const waiting = bob.acquire(name, { onQueued: (e) => positions.push(e.position) });
    await eventually(() => expect(positions).toEqual([1]));
    await alice.release(held);
    const lease = await waiting;
    expect(lease.owner).toBe("bob");
    expect(lease.fencing).toBeGreaterThan(held.fencing);
    await bob.release(lease);
  });

  it("a wait that runs out fails with deadline_exceeded and leaves the queue", async () => {
    const name = unique("timeout");
    const held = await alice.acquire(name);
    const error = await bob.acquire(name, { waitMs: 200 }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.DeadlineExceeded);
    await eventually(async () => expect((await alice.describe(name)).waiters).toEqual([]));
    await alice.release(held);
  });

  it("a cancelled acquire leaves the queue at once", async () => {
    const name = unique("cancel");
    const held = await alice.acquire(name);
    const controller = new AbortController();
    const waiting = bob.acquire(name, { signal: controller.signal }).catch((e: unknown) => e);
    await eventually(async () => expect((await alice.describe(name)).waiters).toHaveLength(1));
    controller.abort();
    expect(codeOf(await waiting)).toBe(Code.Canceled);
    await eventually(async () => expect((await alice.describe(name)).waiters).toEqual([]));
    await alice.release(held);
  });

  it("withLock holds the lock while fn runs, keeps it past its TTL, and releases it after", async () => {
    const name = unique("with");
    const result = await alice.withLock(
      name,
      async (signal, lease) => {
        // The lease outlives its first deadline only because it is refreshed.
        await eventually(async () => {
          const [holder] = (await bob.describe(name)).holders;
          expect(holder?.fencing).toBe(lease.fencing);
          expect(holder!.expiresAt.getTime()).toBeGreaterThan(lease.expiresAt.getTime() + 500);
        }, 5_000);
        expect(signal.aborted).toBe(false);
        return lease.fencing;
      },
      // Short enough to need refreshes within the test, long enough for a loaded machine's timers.
      { ttlMs: 1000 },
    );
    expect(typeof result).toBe("bigint");
    expect((await bob.describe(name)).holders).toEqual([]);
  });

  it("withLock aborts fn's signal when the lease is released behind its back, and rejects", async () => {
    const name = unique("lost");
    let reason: unknown;
    const outcome = await alice
      .withLock(
        name,
        async (signal, lease) => {
          await bob.release(lease);
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          reason = signal.reason;
        },
        { ttlMs: 300 },
      )
      .catch((e: unknown) => e);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(outcome).toBe(reason);
    expect((reason as LeaseLostError).message).toContain(name);
  });

  it("withLock releases when fn throws, and passes the error on", async () => {
    const name = unique("throws");
    const error = await alice.withLock(name, () => Promise.reject(new Error("boom"))).catch((e: unknown) => e);
    expect((error as Error).message).toBe("boom");
    expect((await bob.describe(name)).holders).toEqual([]);
  });

  it("watch yields a line of change for a grant and a release", async () => {
    const name = unique("watch");
    const controller = new AbortController();
    const changes = collect<LockChange>(bob.watch({ name, initial: true, signal: controller.signal }));
    await eventually(() => expect(changes.events.map((c) => c.kind)).toContain("snapshot"));
    const lease = await alice.acquire(name);
    await alice.release(lease);
    await eventually(() => expect(changes.events.map((c) => c.kind)).toEqual(expect.arrayContaining(["granted", "released"])));
    const granted = changes.events.find((c) => c.kind === "granted");
    expect(granted?.lock.holders[0]?.owner).toBe("alice");
    controller.abort();
    await changes.done;
  });

  it("list pages through every lock under a prefix, by name", async () => {
    const prefix = unique("list") + "/";
    const leases = await Promise.all(["c", "a", "b"].map((n) => alice.acquire(prefix + n)));
    const names: string[] = [];
    for await (const lock of bob.list(prefix, { pageSize: 2 })) names.push(lock.name);
    expect(names).toEqual([prefix + "a", prefix + "b", prefix + "c"]);
    await Promise.all(leases.map((l) => alice.release(l)));
  });
});
