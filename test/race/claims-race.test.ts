import { describe, expect, it } from "vitest";
import type { Client } from "@connectrpc/connect";
import { LockEventKind } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { type LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { lockClient, TRANSPORTS } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { expectNonDecreasing, FenceChecker } from "./fence-checker.js";
import { onEveryDeployment } from "./deployments.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const unique = (base: string) => `claims-race/${base}/${process.pid}-${Date.now().toString(36)}-${seq++}`;

/** Records the lock's last fencing at every grant, from a Watch stream, in the store's order. */
function recordGrants(client: Client<typeof LockService>, name: string) {
  const fencings: bigint[] = [];
  const ctl = new AbortController();
  let ready = false;
  const done = (async () => {
    for await (const e of client.watch({ name, initial: true }, { signal: ctl.signal })) {
      ready = true;
      if (e.kind === LockEventKind.GRANTED) fencings.push(e.lock?.lastFencing ?? 0n);
    }
  })().catch(() => undefined);
  return {
    fencings,
    ready: () => eventually(() => expect(ready).toBe(true)),
    stop: async () => {
      ctl.abort();
      await done;
    },
  };
}


/** Joins the queue on a Wait stream; resolves `queued` once in line and `lease` once granted. */
function waitFor(client: Client<typeof LockService>, req: { name: string; owner: string; permits?: number; shared?: boolean }) {
  let queued!: () => void;
  const inLine = new Promise<void>((resolve) => (queued = resolve));
  const lease = (async () => {
    for await (const e of client.wait({ ...req, ttlMs: 30_000n })) {
      if (e.event.case === "queued") queued();
      if (e.event.case === "granted") {
        queued();
        return e.event.value;
      }
    }
    throw new Error("the wait ended without a grant");
  })();
  return { inLine, lease };
}

/**
 * The race suite, run against one or more Baton instances sharing a store: `url(i)` picks the
 * instance worker i talks to.
 */
function claimRaces(label: string, urls: () => string[]): void {
  const url = (i: number) => urls()[i % urls().length]!;
  const client = (i: number) => lockClient(TRANSPORTS[i % TRANSPORTS.length]!, url(i));

  describe(`claims race: ${label}`, () => {
    it("never holds more than N weighted permits at once; fencing strictly increases across holders", async () => {
      const name = unique("weighted");
      const limit = 8;
      const watcher = recordGrants(client(1), name);
      await watcher.ready();
      let held = 0;
      let maxHeld = 0;
      let grants = 0;
      const fence = new FenceChecker();
      const worker = async (i: number) => {
        const c = client(i);
        for (let cycle = 0; cycle < 12; cycle++) {
          const floor = fence.floor();
          const permits = cycle % 5 === 0 ? limit : 1 + Math.floor(Math.random() * 4);
          const { lease } = await c.acquire({ name, owner: `w${i}`, limit, permits, waitMs: 60_000n, ttlMs: 30_000n });
          expect(lease!.permits).toBe(permits);
          fence.granted(lease!.fencing, floor);
          held += permits;
          grants++;
          maxHeld = Math.max(maxHeld, held);
          if (held > limit) throw new Error(`${held} permits held on a limit-${limit} semaphore`);
          await pause(Math.random() * 3);
          held -= permits;
          await c.release({ name, token: lease!.token });
          fence.released(lease!.fencing);
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, i) => worker(i)));
      expect(grants).toBe(16 * 12);
      expect(maxHeld).toBeLessThanOrEqual(limit);
      await eventually(() => expect(watcher.fencings).toHaveLength(grants), 20_000);
      expectNonDecreasing(watcher.fencings);
      expect(fence.grants).toBe(grants);
      await watcher.stop();
    });

    it("never lets readers and a writer (or two writers) overlap; fencing grows in either mode", async () => {
      const name = unique("rw");
      const watcher = recordGrants(client(2), name);
      await watcher.ready();
      let readers = 0;
      let writers = 0;
      let maxReaders = 0;
      let grants = 0;
      const fence = new FenceChecker();
      const worker = async (i: number) => {
        const c = client(i);
        for (let cycle = 0; cycle < 12; cycle++) {
          const floor = fence.floor();
          const shared = Math.random() < 0.7;
          const { lease } = await c.acquire({ name, owner: `${shared ? "r" : "w"}${i}`, shared, waitMs: 60_000n, ttlMs: 30_000n });
          grants++;
          fence.granted(lease!.fencing, floor);
          if (shared) readers++;
          else writers++;
          maxReaders = Math.max(maxReaders, readers);
          if (writers > 1 || (writers === 1 && readers > 0)) throw new Error(`${writers} writers beside ${readers} readers`);
          await pause(Math.random() * 3);
          if (shared) readers--;
          else writers--;
          await c.release({ name, token: lease!.token });
          fence.released(lease!.fencing);
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, i) => worker(i)));
      expect(grants).toBe(16 * 12);
      // Shared mode did share: readers held together at some point.
      expect(maxReaders).toBeGreaterThan(1);
      await eventually(() => expect(watcher.fencings).toHaveLength(grants), 20_000);
      expectNonDecreasing(watcher.fencings);
      expect(fence.grants).toBe(grants);
      await watcher.stop();
    });

    it("grants a queued writer under a steady stream of readers, before every reader that came after it", async () => {
      const name = unique("starve");
      let stop = false;
      const after: bigint[] = [];
      let writerQueued = false;
      const reader = async (i: number) => {
        const c = client(i);
        while (!stop) {
          const late = writerQueued;
          const { lease } = await c.acquire({ name, owner: `r${i}`, shared: true, waitMs: 60_000n, ttlMs: 30_000n });
          if (late) after.push(lease!.fencing);
          await pause(2 + Math.random() * 4);
          await c.release({ name, token: lease!.token });
        }
      };
      const readersDone = Promise.all(Array.from({ length: 8 }, (_, i) => reader(i)));
      // Readers overlap continuously: without FIFO the writer would wait forever.
      await eventually(async () => expect((await client(0).describe({ name })).lock?.holders.length).toBeGreaterThan(1));
      const writer = waitFor(client(3), { name, owner: "writer" });
      await writer.inLine;
      writerQueued = true;
      const lease = await writer.lease;
      await client(3).release({ name, token: lease.token });
      stop = true;
      await readersDone;
      expect(after.length).toBeGreaterThan(0);
      for (const fencing of after) expect(fencing).toBeGreaterThan(lease.fencing);
    });

    it("grants a request for all N permits under a steady stream of small ones, before those after it", async () => {
      const name = unique("large");
      const limit = 6;
      let stop = false;
      const after: bigint[] = [];
      let bigQueued = false;
      const small = async (i: number) => {
        const c = client(i);
        while (!stop) {
          const late = bigQueued;
          const { lease } = await c.acquire({ name, owner: `s${i}`, limit, permits: 1, waitMs: 60_000n, ttlMs: 30_000n });
          if (late) after.push(lease!.fencing);
          await pause(2 + Math.random() * 4);
          await c.release({ name, token: lease!.token });
        }
      };
      const smallDone = Promise.all(Array.from({ length: 8 }, (_, i) => small(i)));
      await eventually(async () => expect((await client(0).describe({ name })).lock?.holders.length).toBeGreaterThan(1));
      const big = waitFor(client(1), { name, owner: "big", permits: limit });
      await big.inLine;
      bigQueued = true;
      const lease = await big.lease;
      expect(lease.permits).toBe(limit);
      const during = await client(0).describe({ name });
      expect(during.lock?.holders.map((h) => h.owner)).toEqual(["big"]);
      await client(1).release({ name, token: lease.token });
      stop = true;
      await smallDone;
      expect(after.length).toBeGreaterThan(0);
      for (const fencing of after) expect(fencing).toBeGreaterThan(lease.fencing);
    });
  });
}

onEveryDeployment(claimRaces);
