import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RendezvousEvent, RendezvousStore } from "../../../src/store/rendezvous.js";
import { eventually } from "../../helpers/eventually.js";
import { uniqueName, type Factory } from "../../helpers/unique.js";

/** How a conformance run gets a fresh rendezvous store, and disposes of it. */
export type RendezvousStoreFactory = Factory<RendezvousStore>;

const uniqueKey = (base: string): string => uniqueName("rvconf", base);

/**
 * The RendezvousStore contract's behaviour, written once for every store. It uses only the
 * interface, waits for events instead of assuming they are synchronous, and uses keys unique to
 * the run, so a shared Redis or a cluster can run it unchanged.
 */
export function rendezvousStoreConformance(label: string, factory: RendezvousStoreFactory): void {
  describe(`RendezvousStore conformance: ${label}`, () => {
    let store: RendezvousStore;
    let events: RendezvousEvent[];

    beforeEach(async () => {
      store = await factory.open();
      events = [];
      store.subscribe((e) => events.push(e));
    });
    afterEach(async () => {
      await factory.close(store);
    });

    const eventsFor = (key: string) => events.filter((e) => e.key === key);

    it("signal sets a key (replacing an earlier value) and reports it as an event", async () => {
      const key = uniqueKey("signal");
      expect(await store.get(key)).toBeUndefined();
      const first = await store.signal({ key, payload: "one", owner: "a" });
      expect(first).toMatchObject({ kind: "signaled", woken: 0, signal: { key, payload: "one", owner: "a" } });
      expect(first.signal.expiresAtMs).toBeUndefined();
      await store.signal({ key, payload: "two", owner: "b" });
      expect(await store.get(key)).toMatchObject({ key, payload: "two", owner: "b" });
      await eventually(() => expect(eventsFor(key).map((e) => e.kind)).toEqual(["signaled", "signaled"]));
    });

    it("joinWait answers with the value when set, else registers the waiter", async () => {
      const key = uniqueKey("join");
      expect(await store.joinWait({ key, waiterId: "w1", owner: "x" })).toEqual({ kind: "waiting", waiters: 1 });
      expect(await store.joinWait({ key, waiterId: "w2", owner: "y" })).toEqual({ kind: "waiting", waiters: 2 });
      await store.signal({ key, payload: "go", owner: "s" });
      const joined = await store.joinWait({ key, waiterId: "w3", owner: "z" });
      expect(joined.kind === "set" && joined.signal.payload).toBe("go");
    });

    it("signal wakes and removes every registered waiter in the same step", async () => {
      const key = uniqueKey("wake");
      for (const id of ["a", "b", "c"]) await store.joinWait({ key, waiterId: id, owner: id });
      const result = await store.signal({ key, payload: "", owner: "s" });
      expect(result.woken).toBe(3);
      expect(await store.leaveWait(key, "a", { kind: "left" })).toEqual({ kind: "not_waiting" });
      expect((await store.list({ prefix: key, limit: 10 })).waiting).toEqual([]);
      await eventually(() => expect(eventsFor(key)).toMatchObject([{ kind: "signaled", woken: 3 }]));
    });

    it("leaveWait unregisters; a timeout is remembered for List, a plain leave is not", async () => {
      const key = uniqueKey("leave");
      await store.joinWait({ key, waiterId: "quiet", owner: "q" });
      await store.joinWait({ key, waiterId: "slow", owner: "s" });
      expect(await store.leaveWait(key, "quiet", { kind: "left" })).toEqual({ kind: "left" });
      let listing = await store.list({ prefix: key, limit: 10 });
      expect(listing.waiting).toMatchObject([{ key, waiters: 1, owners: ["s"] }]);
      expect(listing.timedOut).toEqual([]);
      expect(await store.leaveWait(key, "slow", { kind: "timed_out", waitedMs: 1234 })).toEqual({ kind: "left" });
      listing = await store.list({ prefix: key, limit: 10 });
      expect(listing.waiting).toEqual([]);
      expect(listing.timedOut).toMatchObject([{ key, owner: "s", waitedMs: 1234, count: 1 }]);
      expect(await store.leaveWait(key, "slow", { kind: "timed_out", waitedMs: 1 })).toEqual({ kind: "not_waiting" });
    });

    it("reset clears a set key once and reports the value it cleared", async () => {
      const key = uniqueKey("reset");
      expect(await store.reset(key)).toEqual({ kind: "not_set" });
      await store.signal({ key, payload: "p", owner: "o" });
      const reset = await store.reset(key);
      expect(reset.kind === "reset" && reset.previous.payload).toBe("p");
      expect(await store.get(key)).toBeUndefined();
      expect(await store.reset(key)).toEqual({ kind: "not_set" });
      await eventually(() => expect(eventsFor(key).map((e) => e.kind)).toEqual(["signaled", "reset"]));
    });

    it("a signal with a TTL expires on time, without any request, with an event", async () => {
      const key = uniqueKey("ttl");
      const result = await store.signal({ key, payload: "brief", owner: "o", ttlMs: 150 });
      expect(result.signal.expiresAtMs).toBe(result.signal.signaledAtMs + 150);
      await eventually(() => expect(eventsFor(key).map((e) => e.kind)).toEqual(["signaled", "expired"]), 3000);
      expect(await store.get(key)).toBeUndefined();
    });

    it("a signal without a TTL replaces one with a TTL, and then stays", async () => {
      const key = uniqueKey("ttl-cleared");
      await store.signal({ key, payload: "brief", owner: "o", ttlMs: 100 });
      await store.signal({ key, payload: "lasting", owner: "o" });
      await new Promise((r) => setTimeout(r, 300));
      expect(await store.get(key)).toMatchObject({ payload: "lasting" });
      expect(eventsFor(key).map((e) => e.kind)).toEqual(["signaled", "signaled"]);
    });

    it("a barrier counts arrivals and trips on the last one, listing participants in arrival order", async () => {
      const key = uniqueKey("barrier");
      expect(await store.arrive({ key, participantId: "p1", owner: "one", parties: 3 })).toEqual({
        kind: "waiting",
        generation: 1,
        arrived: 1,
        parties: 3,
      });
      expect(await store.arrive({ key, participantId: "p2", owner: "two", parties: 3 })).toMatchObject({ kind: "waiting", arrived: 2 });
      expect((await store.list({ prefix: key, limit: 10 })).barriers).toEqual([
        { key, generation: 1, arrived: 2, parties: 3, owners: ["one", "two"] },
      ]);
      const trip = await store.arrive({ key, participantId: "p3", owner: "three", parties: 3 });
      expect(trip).toEqual({ kind: "tripped", generation: 1, parties: 3, participants: ["p1", "p2", "p3"] });
      expect((await store.list({ prefix: key, limit: 10 })).barriers).toEqual([]);
      await eventually(() =>
        expect(eventsFor(key).at(-1)).toEqual({ kind: "tripped", key, generation: 1, parties: 3, participants: ["p1", "p2", "p3"] }),
      );
    });

    it("the next arrival after a trip starts the next generation, with its own number of parties", async () => {
      const key = uniqueKey("generation");
      await store.arrive({ key, participantId: "a", owner: "a", parties: 1 });
      expect(await store.arrive({ key, participantId: "b", owner: "b", parties: 2 })).toMatchObject({ kind: "waiting", generation: 2 });
      expect(await store.arrive({ key, participantId: "c", owner: "c", parties: 2 })).toMatchObject({ kind: "tripped", generation: 2 });
    });

    it("a different number of parties while a barrier gathers is refused and changes nothing", async () => {
      const key = uniqueKey("mismatch");
      await store.arrive({ key, participantId: "a", owner: "a", parties: 4 });
      expect(await store.arrive({ key, participantId: "b", owner: "b", parties: 5 })).toEqual({ kind: "parties_mismatch", parties: 4, arrived: 1 });
      expect((await store.list({ prefix: key, limit: 10 })).barriers).toMatchObject([{ arrived: 1, parties: 4 }]);
    });

    it("a participant that leaves is no longer counted; an empty barrier is forgotten", async () => {
      const key = uniqueKey("leave-barrier");
      await store.arrive({ key, participantId: "a", owner: "a", parties: 3 });
      await store.arrive({ key, participantId: "b", owner: "b", parties: 3 });
      expect(await store.leaveBarrier(key, "a")).toEqual({ kind: "left", generation: 1, arrived: 1 });
      expect(await store.leaveBarrier(key, "a")).toEqual({ kind: "not_waiting" });
      expect(await store.arrive({ key, participantId: "c", owner: "c", parties: 3 })).toMatchObject({ kind: "waiting", arrived: 2 });
      await store.leaveBarrier(key, "b");
      await store.leaveBarrier(key, "c");
      expect((await store.list({ prefix: key, limit: 10 })).barriers).toEqual([]);
      // Forgotten: a new arrival may choose another number of parties, in the same generation.
      expect(await store.arrive({ key, participantId: "d", owner: "d", parties: 2 })).toMatchObject({ kind: "waiting", generation: 1 });
      await eventually(() => expect(eventsFor(key).filter((e) => e.kind === "left")).toHaveLength(3));
    });

    it("leaving a barrier that already tripped says not_waiting", async () => {
      const key = uniqueKey("left-late");
      await store.arrive({ key, participantId: "a", owner: "a", parties: 2 });
      await store.arrive({ key, participantId: "b", owner: "b", parties: 2 });
      expect(await store.leaveBarrier(key, "a")).toEqual({ kind: "not_waiting" });
    });

    it("list filters by prefix, sorts by key and caps each list", async () => {
      const prefix = uniqueKey("list") + "/";
      for (const k of ["c", "a", "b"]) await store.signal({ key: prefix + k, payload: k, owner: "o" });
      await store.signal({ key: prefix.slice(0, -1) + "x", payload: "outside", owner: "o" });
      const listing = await store.list({ prefix, limit: 2 });
      expect(listing.set.map((s) => s.key)).toEqual([prefix + "a", prefix + "b"]);
    });

    it("ping resolves, touch keeps registrations and an unsubscribed listener hears nothing more", async () => {
      await store.ping();
      const key = uniqueKey("touch");
      await store.joinWait({ key, waiterId: "w", owner: "o" });
      await store.touch([{ kind: "waiter", key, id: "w" }], 10_000);
      expect((await store.list({ prefix: key, limit: 10 })).waiting).toMatchObject([{ key, waiters: 1 }]);
      const late: RendezvousEvent[] = [];
      const off = store.subscribe((e) => late.push(e));
      off();
      await store.signal({ key, payload: "", owner: "o" });
      await eventually(() => expect(eventsFor(key)).toHaveLength(1));
      expect(late).toEqual([]);
    });
  });
}
