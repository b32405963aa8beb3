import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LockEngine, type SessionEvents } from "../../src/engine/lock-engine.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import type { AcquireInput, AcquireResult } from "../../src/store/types.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { eventually } from "../helpers/eventually.js";

/** A memory store whose acquire answers late, as Redis may: the state changes now, the answer later. */
class LateReplyStore extends MemoryStore {
  override async acquire(input: AcquireInput): Promise<AcquireResult> {
    const result = await super.acquire(input);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return result;
  }
}

// Issue 10, bug 2: ending a session (or cancelling an acquire) while its acquire was still
// joining the queue on the store rejected a promise nobody listened to yet, and Node ended the
// process on the unhandled rejection.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeAll(() => void process.on("unhandledRejection", onUnhandled));
afterAll(() => void process.off("unhandledRejection", onUnhandled));

const quiet: SessionEvents = { queued: () => {}, lost: () => {}, ended: () => {} };

describe("a session ended while its acquire is joining the queue", () => {
  const store = new LateReplyStore();
  const engine = new LockEngine(store, DEFAULT_CONFIG, () => {});
  afterEach(() => expect(unhandled).toEqual([]));

  it("fails the acquire with canceled, leaves the queue, and leaks no rejection", async () => {
    const holder = await engine.acquire({ name: "joining/a", owner: "h", waitUpToMs: 0 }, new AbortController().signal);
    const session = engine.openSession(quiet);
    const acquire = session.acquire(1n, { name: "joining/a", owner: "s", waitUpToMs: 5000 });
    const outcome = acquire.then(() => "granted", (e: Error) => e.message);
    await session.end(0);
    expect(await outcome).toMatch(/session has ended/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await eventually(async () => expect((await store.describe("joining/a")).waiters).toHaveLength(0));
    await engine.release("joining/a", holder.token);
  });

  it("fails an acquire cancelled while joining with canceled, and leaks no rejection", async () => {
    const holder = await engine.acquire({ name: "joining/b", owner: "h", waitUpToMs: 0 }, new AbortController().signal);
    const session = engine.openSession(quiet);
    const acquire = session.acquire(7n, { name: "joining/b", owner: "s" });
    const outcome = acquire.then(() => "granted", (e: Error) => e.message);
    expect(session.cancel(7n)).toBe(true);
    expect(await outcome).toMatch(/cancelled/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await eventually(async () => expect((await store.describe("joining/b")).waiters).toHaveLength(0));
    // The lock is free for the next one once the holder leaves: nothing was granted to the quitter.
    await engine.release("joining/b", holder.token);
    expect((await store.describe("joining/b")).holders).toHaveLength(0);
    await session.end(0);
  });
});
