import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { openRendezvousStore } from "../../src/store/rendezvous.js";
import { formatDurableSpec } from "../../src/store/durable/spec.js";
import { newToken, newWaiterId } from "../../src/store/token.js";
import type { AcquireInput, LockEvent, Store } from "../../src/store/types.js";
import { removeTempDirs, tempDir } from "./temp-dir.js";

afterAll(removeTempDirs);

const input = (name: string, extra: Partial<AcquireInput> = {}): AcquireInput => ({
  name,
  owner: "tester",
  ttlMs: 60_000,
  maxQueueLength: 100,
  token: newToken(),
  ...extra,
});

async function grant(store: Store, name: string, extra: Partial<AcquireInput> = {}) {
  const r = await store.acquire(input(name, extra));
  if (r.kind !== "granted") throw new Error(`expected a grant of ${name}, got ${r.kind}`);
  return r.lease;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("durable store across restarts (in process: close and reopen the data dir)", () => {
  it("never repeats or lowers a fencing token across 100 restarts, idle locks included", async () => {
    const spec = formatDurableSpec(tempDir(), "full");
    const last = new Map<string, bigint>();
    let held: string | undefined;
    for (let round = 0; round < 100; round++) {
      const store = await openStore(spec);
      for (const name of ["busy", "idle", `only-${round % 7}`]) {
        const described = await store.describe(name);
        // The counter the store reports after a restart is exactly the last token it granted.
        expect(described.lastFencing).toBe(last.get(name) ?? 0n);
        if (name === "busy" && held !== undefined) {
          expect(described.holders.map((h) => h.token)).toEqual([held]);
          expect((await store.release(name, held)).kind).toBe("released");
        }
        const lease = await grant(store, name);
        expect(lease.fencing).toBe((last.get(name) ?? 0n) + 1n);
        last.set(name, lease.fencing);
        // "idle" goes idle (its record keeps only the counter); "busy" stays held across the restart.
        if (name !== "busy") await store.release(name, lease.token);
        else held = lease.token;
      }
      await store.close();
    }
    expect(last.get("idle")).toBe(100n);
    expect(last.get("busy")).toBe(100n);
  });

  it("keeps shared holders, weighted holders and published values, and applies them to new requests", async () => {
    const spec = formatDurableSpec(tempDir(), "full");
    let store = await openStore(spec);
    const reader = await grant(store, "rw", { shared: true });
    const weighted = await grant(store, "gpus", { limit: 8, permits: 6 });
    const leader = await grant(store, "election", { value: "10.0.0.1:80" });
    await store.proclaim("election", leader.token, "10.0.0.1:81");
    await store.close();
    store = await openStore(spec);
    try {
      expect((await store.describe("rw")).holders.map((h) => [h.token, h.shared, h.permits])).toEqual([[reader.token, true, 0]]);
      expect((await store.describe("gpus")).holders.map((h) => [h.token, h.permits])).toEqual([[weighted.token, 6]]);
      expect((await store.describe("election")).holders.map((h) => [h.token, h.value])).toEqual([[leader.token, "10.0.0.1:81"]]);
      // What survived still counts: another reader fits, a writer does not; 2 of 8 permits are left.
      expect((await store.acquire(input("rw", { shared: true }))).kind).toBe("granted");
      expect((await store.acquire(input("rw"))).kind).toBe("busy");
      expect((await store.acquire(input("gpus", { permits: 3 }))).kind).toBe("busy");
      expect((await store.acquire(input("gpus", { permits: 2 }))).kind).toBe("granted");
    } finally {
      await store.close();
    }
  });

  it("keeps leases (holder, owner, token, fencing, expiry), limits and reserved locks", async () => {
    const spec = formatDurableSpec(tempDir(), "full");
    let store = await openStore(spec);
    const a = await grant(store, "sem", { limit: 3, owner: "host-a" });
    const b = await grant(store, "sem", { limit: 3, owner: "host-b", ttlMs: 0 });
    expect(await store.reserve("reserved/x", 2)).toEqual({ kind: "reserved", limit: 2 });
    await store.close();

    store = await openStore(spec);
    const sem = await store.describe("sem");
    expect(sem.limit).toBe(3);
    expect(sem.holders).toEqual([a, b]);
    expect((await store.describe("reserved/x")).reserved).toBe(true);
    expect(await store.reserve("reserved/x", 2)).toEqual({ kind: "exists" });
    // The lease still works with its token: refresh and release.
    expect((await store.refresh("sem", a.token)).kind).toBe("refreshed");
    expect(await store.release("sem", b.token)).toMatchObject({ kind: "released" });
    expect((await store.acquire(input("sem", { limit: 2 }))).kind).toBe("limit_mismatch");
    await store.close();
  });

  it("expires at start a lease whose TTL ran out while the store was closed; others keep their expiry", async () => {
    const spec = formatDurableSpec(tempDir(), "full");
    let store = await openStore(spec);
    const short = await grant(store, "short", { ttlMs: 200 });
    const long = await grant(store, "long", { ttlMs: 60_000 });
    await store.close();
    await sleep(300);
    const logs: string[] = [];
    store = await openStore(spec, (m) => logs.push(m));
    expect(logs.join("\n")).toMatch(/1 lease\(s\) and 0 signal\(s\) expired while Baton was down/);
    expect((await store.describe("short")).holders).toEqual([]);
    expect((await store.describe("long")).holders).toEqual([long]);
    // The freed permit goes to the next acquirer, with the next fencing token.
    expect((await grant(store, "short")).fencing).toBe(short.fencing + 1n);
    await store.close();
  });

  it("expires a restored lease on time with no request arriving, and hands it to a new waiter", async () => {
    const spec = formatDurableSpec(tempDir(), "full");
    let store = await openStore(spec);
    const held = await grant(store, "soon", { ttlMs: 400 });
    await store.close();
    store = await openStore(spec);
    const events: LockEvent[] = [];
    store.subscribe((e) => events.push(e));
    const waiterId = newWaiterId();
    expect((await store.acquire(input("soon", { waiterId }))).kind).toBe("queued");
    await sleep(600);
    expect(events.map((e) => e.kind)).toEqual(["queued", "expired", "granted"]);
    expect(events[2]).toMatchObject({ waiterId, lease: { fencing: held.fencing + 1n } });
    await store.close();
  });

  it("keeps rendezvous keys that are set, with their TTLs, and drops those that ran out", async () => {
    const spec = formatDurableSpec(tempDir(), "relaxed");
    let rv = await openRendezvousStore(spec);
    const kept = await rv.signal({ key: "deploy/done", payload: "v42", owner: "ci" });
    const ttl = await rv.signal({ key: "cache/warm", payload: "", owner: "ci", ttlMs: 60_000 });
    await rv.signal({ key: "gone", payload: "", owner: "ci", ttlMs: 150 });
    await rv.signal({ key: "reset-me", payload: "", owner: "ci" });
    await rv.reset("reset-me");
    await rv.close();
    await sleep(250);
    rv = await openRendezvousStore(spec);
    expect(await rv.get("deploy/done")).toEqual(kept.signal);
    expect(await rv.get("cache/warm")).toEqual(ttl.signal);
    expect(await rv.get("gone")).toBeUndefined();
    expect(await rv.get("reset-me")).toBeUndefined();
    await rv.close();
  });

  it("shares one data dir between the lock and rendezvous stores of one process", async () => {
    const spec = formatDurableSpec(tempDir(), "full");
    const store = await openStore(spec);
    const rv = await openRendezvousStore(spec);
    await grant(store, "x");
    await rv.signal({ key: "x", payload: "", owner: "o" });
    await store.close();
    // The rendezvous store still writes after its sibling closed.
    await rv.signal({ key: "y", payload: "", owner: "o" });
    await rv.close();
    const again = await openRendezvousStore(spec);
    expect(await again.get("y")).toBeDefined();
    await again.close();
  });
});
