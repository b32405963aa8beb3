import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AcquireInput, Store } from "../../src/store/types.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import type { StoreFactory } from "./store-conformance.js";
import { uniqueName as unique } from "../helpers/unique.js";

const uniqueName = (base: string): string => unique("conf-compat", base);

/**
 * The parts of the Store contract that the compatibility layers and pools need: release by
 * owner, and leases that never expire (ttlMs 0). Run against every store, like the main suite.
 */
export function storeConformanceCompat(label: string, factory: StoreFactory): void {
  describe(`Store conformance (compatibility): ${label}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await factory.close(store);
    });
    const input = (name: string, extra: Partial<AcquireInput> = {}): AcquireInput => ({
      name,
      owner: "tester",
      ttlMs: 10_000,
      maxQueueLength: 100,
      token: newToken(),
      ...extra,
    });

    it("releases the oldest lease of an owner, and hands the permit on", async () => {
      const name = uniqueName("owner");
      const a1 = await store.acquire(input(name, { owner: "a", limit: 3 }));
      await store.acquire(input(name, { owner: "b", limit: 3 }));
      await store.acquire(input(name, { owner: "a", limit: 3 }));
      const waiterId = newWaiterId();
      await store.acquire(input(name, { owner: "c", limit: 3, waiterId }));
      expect(await store.releaseByOwner(name, "nobody")).toEqual({ kind: "not_held" });
      const released = await store.releaseByOwner(name, "a");
      expect(released.kind === "released" && a1.kind === "granted" && released.lease.token === a1.lease.token).toBe(true);
      const lock = await store.describe(name);
      expect(lock.holders.map((h) => h.owner)).toEqual(["b", "a", "c"]);
      expect(lock.waiters).toEqual([]);
    });

    it("keeps a lease with ttl 0 until it is released", async () => {
      const name = uniqueName("forever");
      const r = await store.acquire(input(name, { ttlMs: 0 }));
      expect(r.kind).toBe("granted");
      if (r.kind !== "granted") return;
      expect(r.lease.expiresAtMs).toBe(0);
      const refreshed = await store.refresh(name, r.lease.token);
      expect(refreshed.kind === "refreshed" && refreshed.lease.expiresAtMs).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await store.describe(name)).holders).toHaveLength(1);
      expect((await store.release(name, r.lease.token)).kind).toBe("released");
    });
  });
}
