import { describe, expect, it } from "vitest";
import { openRendezvousStore } from "../../src/store/rendezvous.js";
import { MemoryRendezvousStore } from "../../src/store/memory/rendezvous-memory.js";
import { StoreUnavailableError } from "../../src/store/errors.js";

describe("openRendezvousStore", () => {
  it("opens the memory store for memory", async () => {
    expect(await openRendezvousStore("memory")).toBeInstanceOf(MemoryRendezvousStore);
  });

  it("on a redis:// URL refuses every rendezvous operation with a clear unavailable, instead of going per-instance", async () => {
    const store = await openRendezvousStore("redis://127.0.0.1:6379/0");
    for (const call of [
      () => store.signal({ key: "k", payload: "", owner: "o" }),
      () => store.joinWait({ key: "k", waiterId: "w", owner: "o" }),
      () => store.arrive({ key: "k", participantId: "p", owner: "o", parties: 2 }),
      () => store.list({ prefix: "", limit: 10 }),
      () => store.ping(),
    ]) {
      await expect(call()).rejects.toThrow(StoreUnavailableError);
      await expect(call()).rejects.toThrow(/not available on the Redis store yet/);
    }
    await store.close();
  });
});
