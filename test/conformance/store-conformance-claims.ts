import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AcquireInput, LockEvent, Store } from "../../src/store/types.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import { eventually } from "../helpers/eventually.js";
import { uniqueName as unique } from "../helpers/unique.js";
import type { StoreFactory } from "./store-conformance.js";

const uniqueName = (base: string): string => unique("claims", base);

/**
 * The Store contract for weighted permits, shared (reader) mode and published values, run
 * against every store: the admission rule of src/store/admission.ts, FIFO hand-off that stops at
 * the first waiter that does not fit, fencing on every grant in either mode, and proclaim.
 */
export function storeConformanceClaims(label: string, factory: StoreFactory): void {
  describe(`Store conformance (permits, shared, values): ${label}`, () => {
    let store: Store;
    let events: LockEvent[];

    beforeEach(async () => {
      store = await factory.open();
      events = [];
      store.subscribe((e) => events.push(e));
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
    const granted = async (name: string, extra: Partial<AcquireInput> = {}) => {
      const r = await store.acquire(input(name, extra));
      if (r.kind !== "granted") throw new Error(`expected a grant, got ${r.kind}`);
      return r.lease;
    };
    const queue = async (name: string, extra: Partial<AcquireInput> = {}) => {
      const waiterId = newWaiterId();
      const token = newToken();
      const r = await store.acquire(input(name, { ...extra, waiterId, token }));
      expect(r.kind).toBe("queued");
      return { waiterId, token };
    };
    const holderTokens = async (name: string) => (await store.describe(name)).holders.map((h) => h.token).sort();

    it("grants weighted permits up to the limit and reports them on the lease and in describe", async () => {
      const name = uniqueName("weights");
      const a = await granted(name, { limit: 8, permits: 5 });
      expect(a).toMatchObject({ permits: 5, shared: false, value: "" });
      const b = await granted(name, { permits: 3 });
      expect(b.permits).toBe(3);
      expect((await store.acquire(input(name, { permits: 1 }))).kind).toBe("busy");
      const lock = await store.describe(name);
      expect(lock.holders.map((h) => h.permits)).toEqual([5, 3]);
      await store.release(name, a.token);
      expect((await granted(name, { permits: 4 })).permits).toBe(4);
    });

    it("refuses more permits than the limit, naming the limit, and keeps nothing", async () => {
      const name = uniqueName("toomany");
      expect(await store.acquire(input(name, { limit: 2, permits: 3 }))).toEqual({ kind: "too_many_permits", limit: 2, permits: 3 });
      await granted(name, { limit: 4 });
      expect(await store.acquire(input(name, { permits: 5, waiterId: newWaiterId() }))).toEqual({ kind: "too_many_permits", limit: 4, permits: 5 });
      expect((await store.describe(name)).waiters).toEqual([]);
      const fresh = uniqueName("toomany-fresh");
      expect(await store.acquire(input(fresh, { permits: 2 }))).toEqual({ kind: "too_many_permits", limit: 1, permits: 2 });
      expect((await store.describe(fresh)).holders).toEqual([]);
    });

    it("lets a large request at the head block smaller ones behind it, then grants in FIFO order", async () => {
      const name = uniqueName("bigfirst");
      const one = await granted(name, { limit: 4, permits: 1 });
      const two = await granted(name, { permits: 2 });
      const big = await queue(name, { permits: 4 });
      // One permit is free, but the big request is ahead: a newcomer and a small waiter wait.
      expect((await store.acquire(input(name, { permits: 1 }))).kind).toBe("busy");
      const small = await queue(name, { permits: 1 });
      expect(await holderTokens(name)).toEqual([one.token, two.token].sort());
      await store.release(name, one.token);
      expect(await holderTokens(name)).toEqual([two.token]);
      await store.release(name, two.token);
      expect(await holderTokens(name)).toEqual([big.token]);
      await store.release(name, big.token);
      expect(await holderTokens(name)).toEqual([small.token]);
      await eventually(() => expect(events.filter((e) => e.name === name && e.kind === "granted" && e.waiterId !== undefined).map((e) => e.waiterId)).toEqual([big.waiterId, small.waiterId]));
    });

    it("hands off to the waiters behind a large request that leaves the queue", async () => {
      const name = uniqueName("bigleaves");
      await granted(name, { limit: 3, permits: 2 });
      const big = await queue(name, { permits: 3 });
      const small = await queue(name, { permits: 1 });
      expect(await store.cancelWaiter(name, big.waiterId)).toEqual({ kind: "cancelled" });
      expect((await store.describe(name)).holders.map((h) => h.token)).toContain(small.token);
    });

    it("admits any number of shared holders and no exclusive holder beside them", async () => {
      const name = uniqueName("readers");
      const readers = [];
      for (let i = 0; i < 5; i++) readers.push(await granted(name, { shared: true }));
      expect(readers.every((r) => r.shared && r.permits === 0)).toBe(true);
      expect((await store.acquire(input(name))).kind).toBe("busy");
      const writer = await queue(name);
      for (const r of readers.slice(0, 4)) await store.release(name, r.token);
      expect(await holderTokens(name)).toEqual([readers[4]!.token]);
      await store.release(name, readers[4]!.token);
      expect(await holderTokens(name)).toEqual([writer.token]);
      expect((await store.acquire(input(name, { shared: true }))).kind).toBe("busy");
    });

    it("lets a queued writer block later readers, then grants the readers behind it together", async () => {
      const name = uniqueName("nostarve");
      const reader = await granted(name, { shared: true });
      const writer = await queue(name);
      // A reader arriving behind a queued writer waits, though only readers hold.
      expect((await store.acquire(input(name, { shared: true }))).kind).toBe("busy");
      const r1 = await queue(name, { shared: true });
      const r2 = await queue(name, { shared: true });
      const w2 = await queue(name);
      await store.release(name, reader.token);
      expect(await holderTokens(name)).toEqual([writer.token]);
      await store.release(name, writer.token);
      expect(await holderTokens(name)).toEqual([r1.token, r2.token].sort());
      await store.release(name, r1.token);
      expect(await holderTokens(name)).toEqual([r2.token]);
      await store.release(name, r2.token);
      expect(await holderTokens(name)).toEqual([w2.token]);
    });

    it("grows the fencing token with every grant in either mode", async () => {
      const name = uniqueName("fencing");
      const seen: bigint[] = [];
      const a = await granted(name, { shared: true });
      const b = await granted(name, { shared: true });
      seen.push(a.fencing, b.fencing);
      const w = await queue(name);
      await store.release(name, a.token);
      await store.release(name, b.token);
      const lock = await store.describe(name);
      expect(lock.holders.map((h) => h.token)).toEqual([w.token]);
      seen.push(lock.holders[0]!.fencing);
      await store.release(name, w.token);
      seen.push((await granted(name, { shared: true })).fencing);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
      expect((await store.describe(name)).lastFencing).toBe(seen.at(-1));
    });

    it("carries a value to the lease, through the queue, and replaces it by proclaim", async () => {
      const name = uniqueName("value");
      const leader = await granted(name, { value: "10.0.0.1:8080" });
      expect(leader.value).toBe("10.0.0.1:8080");
      const next = await queue(name, { value: "10.0.0.2:8080" });
      const proclaimed = await store.proclaim(name, leader.token, "10.0.0.1:9090");
      expect(proclaimed).toMatchObject({ kind: "proclaimed", lease: { token: leader.token, value: "10.0.0.1:9090", fencing: leader.fencing } });
      expect((await store.describe(name)).holders[0]!.value).toBe("10.0.0.1:9090");
      await eventually(() => expect(events.some((e) => e.name === name && e.kind === "proclaimed" && e.lease?.value === "10.0.0.1:9090")).toBe(true));
      expect(await store.proclaim(name, newToken(), "x")).toEqual({ kind: "not_held" });
      await store.release(name, leader.token);
      const lock = await store.describe(name);
      expect(lock.holders.map((h) => [h.token, h.value])).toEqual([[next.token, "10.0.0.2:8080"]]);
      expect(await store.proclaim(name, leader.token, "late")).toEqual({ kind: "not_held" });
    });

    it("shows what each waiter asks for in describe", async () => {
      const name = uniqueName("waiters");
      await granted(name, { limit: 3, permits: 3 });
      await queue(name, { permits: 2 });
      await queue(name, { shared: true });
      const lock = await store.describe(name);
      expect(lock.waiters.map((w) => [w.permits, w.shared])).toEqual([
        [2, false],
        [0, true],
      ]);
    });
  });
}
