import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AcquireInput, LockEvent, Store } from "../../src/store/types.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import { eventually } from "../helpers/eventually.js";
import { uniqueName as unique, type Factory } from "../helpers/unique.js";

/** How a conformance run gets a fresh, empty lock store, and disposes of it. */
export type StoreFactory = Factory<Store>;

const uniqueName = (base: string): string => unique("conf", base);

/**
 * The Store contract's behaviour, written once and run against every store (DESIGN §7). It uses
 * only the Store interface, waits for events rather than assuming they are synchronous, and
 * never depends on other tests' locks, so a shared Redis or a cluster can run it unchanged.
 */
export function storeConformance(label: string, factory: StoreFactory): void {
  describe(`Store conformance: ${label}`, () => {
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
    const eventsFor = (name: string, kind: LockEvent["kind"]) => events.filter((e) => e.name === name && e.kind === kind);

    it("grants a free lock with the caller's token, a fencing token and an expiry", async () => {
      const name = uniqueName("grant");
      const token = newToken();
      const lease = await granted(name, { token, owner: "job-1", ttlMs: 5000 });
      expect(lease).toMatchObject({ name, owner: "job-1", token, ttlMs: 5000 });
      expect(lease.fencing).toBeGreaterThan(0n);
      expect(lease.expiresAtMs - lease.acquiredAtMs).toBe(5000);
      expect(Math.abs(lease.acquiredAtMs - Date.now())).toBeLessThan(5000);
      const lock = await store.describe(name);
      expect(lock.holders.map((h) => h.token)).toEqual([token]);
      expect(lock.lastFencing).toBe(lease.fencing);
    });

    it("refuses a try-acquire on a held mutex and names the holder", async () => {
      const name = uniqueName("busy");
      await granted(name, { owner: "holder-a" });
      const r = await store.acquire(input(name, { owner: "b" }));
      expect(r.kind).toBe("busy");
      if (r.kind === "busy") expect(r.holders.map((h) => h.owner)).toEqual(["holder-a"]);
      expect((await store.describe(name)).waiters).toEqual([]);
    });

    it("gives a semaphore exactly `limit` permits", async () => {
      const name = uniqueName("sem");
      for (let i = 0; i < 3; i++) await granted(name, { limit: 3 });
      const r = await store.acquire(input(name, { limit: 3 }));
      expect(r.kind).toBe("busy");
      expect((await store.describe(name)).holders).toHaveLength(3);
    });

    it("refuses a different limit while the lock is busy, accepts it once idle", async () => {
      const name = uniqueName("limit");
      const lease = await granted(name, { limit: 2 });
      expect(await store.acquire(input(name, { limit: 5 }))).toEqual({ kind: "limit_mismatch", limit: 2 });
      expect((await store.acquire(input(name))).kind).toBe("granted");
      await store.release(name, lease.token);
      const lock = await store.describe(name);
      for (const h of lock.holders) await store.release(name, h.token);
      await granted(name, { limit: 5 });
      expect((await store.describe(name)).limit).toBe(5);
    });

    it("releases by token only", async () => {
      const name = uniqueName("release");
      const lease = await granted(name);
      expect(await store.release(name, newToken())).toEqual({ kind: "not_held" });
      const r = await store.release(name, lease.token);
      expect(r.kind).toBe("released");
      expect(await store.release(name, lease.token)).toEqual({ kind: "not_held" });
      expect((await store.describe(name)).holders).toEqual([]);
    });

    it("hands a released permit to the head of the queue in the same step", async () => {
      const name = uniqueName("handoff");
      const lease = await granted(name);
      const waiterId = newWaiterId();
      const waiterToken = newToken();
      const q = await store.acquire(input(name, { waiterId, token: waiterToken, owner: "w" }));
      expect(q).toMatchObject({ kind: "queued", position: 1, queueLength: 1 });
      await store.release(name, lease.token);
      const lock = await store.describe(name);
      expect(lock.holders.map((h) => h.token)).toEqual([waiterToken]);
      expect(lock.waiters).toEqual([]);
      await eventually(() => expect(eventsFor(name, "granted").some((e) => e.waiterId === waiterId)).toBe(true));
      const grant = eventsFor(name, "granted").find((e) => e.waiterId === waiterId);
      expect(grant?.lease?.token).toBe(waiterToken);
      expect(grant?.lease?.fencing).toBeGreaterThan(lease.fencing);
    });

    it("grants waiters strictly first in, first out", async () => {
      const name = uniqueName("fifo");
      const first = await granted(name);
      const ids = Array.from({ length: 6 }, () => newWaiterId());
      for (const [i, waiterId] of ids.entries()) {
        const r = await store.acquire(input(name, { waiterId }));
        expect(r).toMatchObject({ kind: "queued", position: i + 1 });
      }
      let token = first.token;
      for (const waiterId of ids) {
        await store.release(name, token);
        const lock = await store.describe(name);
        const holder = lock.holders[0];
        expect(holder).toBeDefined();
        token = holder!.token;
        await eventually(() => expect(eventsFor(name, "granted").some((e) => e.waiterId === waiterId)).toBe(true));
      }
      const order = eventsFor(name, "granted").filter((e) => e.waiterId).map((e) => e.waiterId);
      expect(order).toEqual(ids);
    });

    it("does not let a newcomer jump the queue", async () => {
      const name = uniqueName("nojump");
      const lease = await granted(name, { limit: 1 });
      const waiterId = newWaiterId();
      await store.acquire(input(name, { waiterId }));
      await store.cancelWaiter(name, "nobody");
      expect((await store.acquire(input(name))).kind).toBe("busy");
      await store.release(name, lease.token);
      expect((await store.acquire(input(name))).kind).toBe("busy");
    });

    it("refuses to queue beyond the queue limit", async () => {
      const name = uniqueName("full");
      await granted(name);
      for (let i = 0; i < 3; i++) await store.acquire(input(name, { waiterId: newWaiterId(), maxQueueLength: 3 }));
      const r = await store.acquire(input(name, { waiterId: newWaiterId(), maxQueueLength: 3 }));
      expect(r).toEqual({ kind: "queue_full", queueLength: 3 });
      expect((await store.describe(name)).waiters).toHaveLength(3);
    });

    it("removes a cancelled waiter and moves those behind it up", async () => {
      const name = uniqueName("cancel");
      const lease = await granted(name);
      const [a, b, c] = [newWaiterId(), newWaiterId(), newWaiterId()];
      for (const id of [a, b, c]) await store.acquire(input(name, { waiterId: id }));
      expect(await store.cancelWaiter(name, b)).toEqual({ kind: "cancelled" });
      expect(await store.cancelWaiter(name, b)).toEqual({ kind: "not_waiting" });
      expect((await store.describe(name)).waiters.map((w) => w.id)).toEqual([a, c]);
      await store.release(name, lease.token);
      expect((await store.describe(name)).waiters.map((w) => w.id)).toEqual([c]);
      await eventually(() => expect(eventsFor(name, "dequeued").map((e) => e.waiterId)).toContain(b));
    });

    it("refreshes a lease to a new expiry, by token only", async () => {
      const name = uniqueName("refresh");
      const lease = await granted(name, { ttlMs: 1000 });
      expect(await store.refresh(name, newToken())).toEqual({ kind: "not_held" });
      const r = await store.refresh(name, lease.token, 60_000);
      expect(r.kind).toBe("refreshed");
      if (r.kind === "refreshed") {
        expect(r.lease.ttlMs).toBe(60_000);
        expect(r.lease.expiresAtMs).toBeGreaterThanOrEqual(lease.expiresAtMs + 50_000);
        expect(r.lease.fencing).toBe(lease.fencing);
      }
      const again = await store.refresh(name, lease.token);
      expect(again.kind === "refreshed" && again.lease.ttlMs).toBe(60_000);
    });

    it("expires a lease on time with no request arriving, and hands it on", async () => {
      const name = uniqueName("expire");
      const lease = await granted(name, { ttlMs: 300 });
      const waiterId = newWaiterId();
      await store.acquire(input(name, { waiterId }));
      await eventually(() => expect(eventsFor(name, "expired").map((e) => e.lease?.token)).toContain(lease.token), 3000);
      await eventually(() => expect(eventsFor(name, "granted").some((e) => e.waiterId === waiterId)).toBe(true));
      const lock = await store.describe(name);
      expect(lock.holders).toHaveLength(1);
      expect(lock.holders[0]!.fencing).toBeGreaterThan(lease.fencing);
      expect(await store.refresh(name, lease.token)).toEqual({ kind: "not_held" });
    });

    it("keeps fencing strictly increasing, even after the lock was idle and forgotten", async () => {
      const name = uniqueName("fencing");
      let last = 0n;
      for (let i = 0; i < 5; i++) {
        const lease = await granted(name);
        expect(lease.fencing).toBeGreaterThan(last);
        last = lease.fencing;
        await store.release(name, lease.token);
      }
      const lock = await store.describe(name);
      expect(lock.holders).toEqual([]);
      expect((await granted(name)).fencing).toBeGreaterThan(last);
    });

    it("keeps a reserved lock while idle, and refuses to reserve a name twice", async () => {
      const name = uniqueName("reserve");
      expect(await store.reserve(name, 2)).toEqual({ kind: "reserved", limit: 2 });
      expect(await store.reserve(name, 2)).toEqual({ kind: "exists" });
      const lease = await granted(name);
      await store.release(name, lease.token);
      const lock = await store.describe(name);
      expect(lock).toMatchObject({ name, reserved: true, limit: 2, holders: [] });
      expect(await store.acquire(input(name, { limit: 3 }))).toEqual({ kind: "limit_mismatch", limit: 2 });
    });

    it("lists busy and reserved locks by name, with prefix and paging, and forgets idle ones", async () => {
      const prefix = uniqueName("list") + "/";
      const names = ["c", "a", "e", "b", "d"].map((n) => prefix + n);
      const leases = [];
      for (const n of names) leases.push(await granted(n));
      await store.reserve(prefix + "r", 1);
      const idle = await granted(prefix + "z");
      await store.release(prefix + "z", idle.token);
      const page1 = await store.list({ prefix, after: "", limit: 3 });
      expect(page1.map((l) => l.name)).toEqual([prefix + "a", prefix + "b", prefix + "c"]);
      const page2 = await store.list({ prefix, after: page1[2]!.name, limit: 10 });
      expect(page2.map((l) => l.name)).toEqual([prefix + "d", prefix + "e", prefix + "r"]);
      expect(page2[0]!.holders).toHaveLength(1);
    });

    it("describes an unknown lock as free with limit 1", async () => {
      const name = uniqueName("unknown");
      expect(await store.describe(name)).toMatchObject({ name, limit: 1, holders: [], waiters: [], reserved: false });
    });

    it("hands exactly one permit per release on a semaphore", async () => {
      const name = uniqueName("semhand");
      const leases = [await granted(name, { limit: 2 }), await granted(name, { limit: 2 })];
      const ids = [newWaiterId(), newWaiterId(), newWaiterId()];
      for (const waiterId of ids) await store.acquire(input(name, { waiterId, limit: 2 }));
      await store.release(name, leases[0]!.token);
      const lock = await store.describe(name);
      expect(lock.holders).toHaveLength(2);
      expect(lock.waiters.map((w) => w.id)).toEqual(ids.slice(1));
    });

    it("reports every change as an event", async () => {
      const name = uniqueName("events");
      const lease = await granted(name);
      const waiterId = newWaiterId();
      await store.acquire(input(name, { waiterId }));
      await store.refresh(name, lease.token);
      await store.cancelWaiter(name, waiterId);
      await store.release(name, lease.token);
      await eventually(() =>
        expect(events.filter((e) => e.name === name).map((e) => e.kind)).toEqual([
          "granted",
          "queued",
          "refreshed",
          "dequeued",
          "released",
        ]),
      );
    });
  });
}
