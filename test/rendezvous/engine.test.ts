import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RendezvousEngine } from "../../src/engine/rendezvous/rendezvous-engine.js";
import { BatonError } from "../../src/engine/errors.js";
import { MemoryRendezvousStore } from "../../src/store/memory/rendezvous-memory.js";

describe("RendezvousEngine", () => {
  let store: MemoryRendezvousStore;
  let engine: RendezvousEngine;

  beforeEach(() => {
    store = new MemoryRendezvousStore();
    engine = new RendezvousEngine(store, {
      heartbeatMs: 60_000,
      minTtlMs: 10,
      maxTtlMs: 60_000,
      maxWaitMs: 60_000,
      maxParties: 100,
      probeAllowlist: ["127.0.0.1"],
      postgresDsn: "postgres://postgres@127.0.0.1:5432/{db}",
      maxPendingChanges: 5,
    });
  });
  afterEach(async () => {
    await engine.close();
    await store.close();
  });

  it("cuts off a subscriber that falls too far behind with resource_exhausted, and forgets it", async () => {
    const sub = engine.subscribe({ key: "", prefix: "slow/", initial: false }, new AbortController().signal);
    expect((await sub.next()).value).toMatchObject({ type: "heartbeat" });
    for (let i = 0; i < 5; i++) await engine.signal({ key: `slow/${i}`, payload: "", owner: "o" });
    // Five changes are within the limit: the subscriber may still read them.
    expect((await sub.next()).value).toMatchObject({ type: "change", change: { key: "slow/0" } });
    for (let i = 5; i < 12; i++) await engine.signal({ key: `slow/${i}`, payload: "", owner: "o" });
    const error = await sub.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatonError);
    expect((error as BatonError).code).toBe("resource_exhausted");
    // The stream has ended; a further signal reaches nobody and close() does not wait for it.
    await engine.signal({ key: "slow/after", payload: "", owner: "o" });
  });

  it("a subscriber that keeps reading is never cut off", async () => {
    const sub = engine.subscribe({ key: "", prefix: "fast/", initial: false }, new AbortController().signal);
    await sub.next();
    for (let i = 0; i < 50; i++) {
      await engine.signal({ key: `fast/${i}`, payload: String(i), owner: "o" });
      expect((await sub.next()).value).toMatchObject({ type: "change", change: { key: `fast/${i}` } });
    }
    await sub.return(undefined);
  });
});
