import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LockEngine, type WaitEvent } from "../../src/engine/lock-engine.js";
import { BatonError } from "../../src/engine/errors.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { eventually } from "../helpers/eventually.js";

/** Pulls events from a wait generator into an array as they come. */
function collect(gen: AsyncIterable<WaitEvent>): { events: WaitEvent[]; done: Promise<unknown> } {
  const events: WaitEvent[] = [];
  const done = (async () => {
    try {
      for await (const e of gen) events.push(e);
      return undefined;
    } catch (error) {
      return error;
    }
  })();
  return { events, done };
}

describe("LockEngine", () => {
  let store: MemoryStore;
  let engine: LockEngine;
  const logs: string[] = [];
  const params = (name: string, extra: Record<string, unknown> = {}) => ({ name, owner: "t", ...extra });
  /** An acquire that does not wait. */
  const tryParams = (name: string, extra: Record<string, unknown> = {}) => params(name, { waitUpToMs: 0, ...extra });

  beforeEach(() => {
    store = new MemoryStore();
    engine = new LockEngine(store, { ...DEFAULT_CONFIG, minTtlMs: 50 }, (m) => logs.push(m));
  });
  afterEach(async () => {
    await engine.close();
    await store.close();
  });

  it("refuses a try-acquire on a held lock, naming the holder and its expiry", async () => {
    const lease = await engine.acquire(tryParams("a", { owner: "deployer-7" }), new AbortController().signal);
    const error = await engine.acquire(tryParams("a"), new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatonError);
    expect((error as BatonError).code).toBe("aborted");
    expect((error as BatonError).message).toContain("deployer-7");
    expect((error as BatonError).message).toContain(new Date(lease.expiresAtMs).toISOString());
  });

  it("streams the queue position on joining and on every change, then the grant", async () => {
    const first = await engine.acquire(tryParams("q"), new AbortController().signal);
    const second = await engine.acquire(tryParams("q2"), new AbortController().signal);
    const ahead = collect(engine.wait(params("q", { owner: "ahead" }), false, new AbortController().signal));
    await eventually(() => expect(ahead.events).toHaveLength(1));
    const behind = collect(engine.wait(params("q", { owner: "behind" }), false, new AbortController().signal));
    await eventually(() => expect(behind.events[0]).toMatchObject({ type: "queued", position: 2, queueLength: 2 }));
    await engine.release("q", first.token);
    await eventually(() => expect(ahead.events.at(-1)?.type).toBe("granted"));
    await eventually(() => expect(behind.events.at(-1)).toMatchObject({ type: "queued", position: 1 }));
    const aheadLease = ahead.events.at(-1);
    if (aheadLease?.type !== "granted") throw new Error("no grant");
    await engine.release("q", aheadLease.lease.token);
    await eventually(() => expect(behind.events.at(-1)?.type).toBe("granted"));
    await Promise.all([ahead.done, behind.done]);
    await engine.release("q2", second.token);
  });

  it("takes a waiter out of the queue the moment its stream is cancelled", async () => {
    const held = await engine.acquire(tryParams("c"), new AbortController().signal);
    const quitter = new AbortController();
    const a = collect(engine.wait(params("c", { owner: "quitter" }), false, quitter.signal));
    const b = collect(engine.wait(params("c", { owner: "stayer" }), false, new AbortController().signal));
    await eventually(() => expect(b.events[0]).toMatchObject({ position: 2 }));
    quitter.abort();
    await a.done;
    expect((await store.describe("c")).waiters.map((w) => w.owner)).toEqual(["stayer"]);
    await eventually(() => expect(b.events.at(-1)).toMatchObject({ type: "queued", position: 1 }));
    await engine.release("c", held.token);
    await eventually(() => expect(b.events.at(-1)?.type).toBe("granted"));
  });

  it("ends a wait with deadline_exceeded at its timeout and leaves the queue", async () => {
    await engine.acquire(tryParams("t"), new AbortController().signal);
    const w = collect(engine.wait(params("t", { waitUpToMs: 150 }), false, new AbortController().signal));
    const error = await w.done;
    expect((error as BatonError).code).toBe("deadline_exceeded");
    expect((await store.describe("t")).waiters).toEqual([]);
  });

  it("keeps a held lease alive past its TTL while the stream lives, and releases it when it ends", async () => {
    const ctl = new AbortController();
    const w = collect(engine.wait(params("h", { ttlMs: 150 }), true, ctl.signal));
    await eventually(() => expect(w.events[0]?.type).toBe("granted"));
    const grant = w.events[0];
    if (grant?.type !== "granted") throw new Error("no grant");
    await new Promise((r) => setTimeout(r, 500));
    const lock = await store.describe("h");
    expect(lock.holders.map((h) => h.fencing)).toEqual([grant.lease.fencing]);
    ctl.abort();
    await w.done;
    expect((await store.describe("h")).holders).toEqual([]);
  });

  it("tells a held stream its lease was lost when someone releases it by token", async () => {
    const w = collect(engine.wait(params("l"), true, new AbortController().signal));
    await eventually(() => expect(w.events[0]?.type).toBe("granted"));
    const grant = w.events[0];
    if (grant?.type !== "granted") throw new Error("no grant");
    await engine.release("l", grant.lease.token);
    await w.done;
    expect(w.events.at(-1)).toMatchObject({ type: "lost" });
  });

  it("hands an expired lease to the next waiter with a higher fencing token", async () => {
    const lease = await engine.acquire(tryParams("e", { ttlMs: 100 }), new AbortController().signal);
    const next = await engine.acquire(params("e", { waitUpToMs: 5000 }), new AbortController().signal);
    expect(next.fencing).toBeGreaterThan(lease.fencing);
    await expect(engine.release("e", lease.token)).rejects.toMatchObject({ code: "failed_precondition" });
  });

  it("answers resource_exhausted when the queue is full", async () => {
    const small = new LockEngine(store, { ...DEFAULT_CONFIG, maxQueueLength: 2 });
    await small.acquire(tryParams("f"), new AbortController().signal);
    const ctl = new AbortController();
    const waits = [collect(small.wait(params("f"), false, ctl.signal)), collect(small.wait(params("f"), false, ctl.signal))];
    await eventually(() => expect(waits.every((w) => w.events.length === 1)).toBe(true));
    const error = await small.acquire(params("f", { waitUpToMs: 1000 }), new AbortController().signal).catch((e: unknown) => e);
    expect((error as BatonError).code).toBe("resource_exhausted");
    ctl.abort();
    await Promise.all(waits.map((w) => w.done));
    await small.close();
  });

  it("validates every field before touching the store", async () => {
    const signal = new AbortController().signal;
    const bad = [
      tryParams(""),
      tryParams("has space"),
      tryParams("x".repeat(4096)),
      tryParams("ctl\u0001"),
      tryParams("ok", { ttlMs: -1 }),
      tryParams("ok", { ttlMs: 10 ** 12 }),
      tryParams("ok", { limit: 0 }),
      tryParams("ok", { waitUpToMs: -5 }),
      tryParams("ok", { owner: "evil\nline" }),
    ];
    for (const p of bad) {
      const error = await engine.acquire(p, signal).catch((e: unknown) => e);
      expect((error as BatonError).code).toBe("invalid_argument");
    }
    expect(await store.list({ prefix: "", after: "", limit: 10 })).toEqual([]);
    await expect(engine.release("ok", "not-a-token")).rejects.toMatchObject({ code: "invalid_argument" });
  });

  it("on close ends every stream with unavailable and releases held leases", async () => {
    const holder = collect(engine.wait(params("s"), true, new AbortController().signal));
    await eventually(() => expect(holder.events[0]?.type).toBe("granted"));
    const waiter = collect(engine.wait(params("s"), false, new AbortController().signal));
    await eventually(() => expect(waiter.events[0]?.type).toBe("queued"));
    await engine.close();
    expect((await holder.done as BatonError).code).toBe("unavailable");
    expect((await waiter.done as BatonError).code).toBe("unavailable");
    const lock = await store.describe("s");
    expect(lock.waiters).toEqual([]);
    // The waiter left before the held lease was released, so nobody holds it now.
    expect(lock.holders).toEqual([]);
  });

  it("pages through List with a token", async () => {
    const signal = new AbortController().signal;
    for (const n of ["p/a", "p/b", "p/c", "x/d"]) await engine.acquire(params(n), signal);
    const first = await engine.list("p/", 2, "");
    expect(first.locks.map((l) => l.name)).toEqual(["p/a", "p/b"]);
    const second = await engine.list("p/", 2, first.next);
    expect(second.locks.map((l) => l.name)).toEqual(["p/c"]);
    expect(second.next).toBe("");
  });
});
