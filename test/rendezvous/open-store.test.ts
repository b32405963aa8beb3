import { describe, expect, it } from "vitest";
import { openRendezvousStore } from "../../src/store/rendezvous.js";
import { MemoryRendezvousStore } from "../../src/store/memory/rendezvous-memory.js";
import { StoreUnavailableError } from "../../src/store/errors.js";

describe("openRendezvousStore", () => {
  it("opens the memory store for memory", async () => {
    expect(await openRendezvousStore("memory")).toBeInstanceOf(MemoryRendezvousStore);
  });

  it("rejects a store URL that is neither memory nor redis", async () => {
    await expect(openRendezvousStore("postgres://x")).rejects.toThrow(/expected "memory" or a redis:\/\/ URL/);
  });

  it("on a redis:// URL it cannot reach, fails at open with a clear unavailable", async () => {
    const err = await openRendezvousStore("redis://127.0.0.1:1/0?commandTimeout=300ms", () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(String((err as Error).message)).toMatch(/Redis store at redis:\/\/127\.0\.0\.1:1\/0 is unavailable/);
  });
});
