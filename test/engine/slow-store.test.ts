import { afterEach, describe, expect, it } from "vitest";
import { LockEngine, type WaitEvent } from "../../src/engine/lock-engine.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import type { AcquireInput, AcquireResult } from "../../src/store/types.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { eventually } from "../helpers/eventually.js";

/**
 * A real memory store whose acquire answers late, as a networked store (Redis) may: the state
 * changes at once, the reply arrives later. Position re-reads then reach a waiter before its own
 * acquire's answer does.
 */
class LateReplyStore extends MemoryStore {
  override async acquire(input: AcquireInput): Promise<AcquireResult> {
    const result = await super.acquire(input);
    await new Promise((resolve) => setTimeout(resolve, 80));
    return result;
  }
}

describe("LockEngine over a store whose replies arrive late", () => {
  const store = new LateReplyStore();
  const engine = new LockEngine(store, DEFAULT_CONFIG, () => {});
  afterEach(async () => {
    await engine.close();
  });

  it("tells a waiter its position once, not again when a re-read got there first", async () => {
    const holder = await engine.acquire({ name: "late", owner: "h", waitUpToMs: 0 }, new AbortController().signal);
    const ctl = new AbortController();
    const events: WaitEvent[] = [];
    const first = (async () => {
      for await (const e of engine.wait({ name: "late", owner: "first" }, false, ctl.signal)) events.push(e);
    })().catch(() => undefined);
    // A second waiter joins while the first one's acquire answer is still on its way: its
    // "queued" event makes the engine re-read the queue and reach the first waiter early.
    const second = (async () => {
      for await (const _ of engine.wait({ name: "late", owner: "second" }, false, ctl.signal)) void _;
    })().catch(() => undefined);
    await eventually(() => expect(events.length).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(events.map((e) => (e.type === "queued" ? `queued ${e.position}` : e.type))).toEqual(["queued 1"]);
    await engine.release("late", holder.token);
    await eventually(() => expect(events.at(-1)?.type).toBe("granted"));
    expect(events.filter((e) => e.type === "queued")).toHaveLength(1);
    ctl.abort();
    await Promise.all([first, second]);
  });
});
