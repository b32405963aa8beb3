import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LockEngine } from "../../src/engine/lock-engine.js";
import { HOLDS_PER_LOCK, LOCKS_WITH_HISTORY, LockHistory } from "../../src/engine/admin/lock-history.js";
import { LockMonitor } from "../../src/engine/admin/lock-monitor.js";
import { SAMPLES_PER_SECOND, TRAFFIC_SECONDS, TrafficLog } from "../../src/engine/admin/traffic.js";
import { ReadinessBoard } from "../../src/engine/probes/readiness-board.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import type { LeaseRecord } from "../../src/store/types.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { eventually } from "../helpers/eventually.js";

describe("TrafficLog", () => {
  it("counts each second apart, fills quiet seconds with zeros, and keeps 120", () => {
    let now = 1_000_000;
    const log = new TrafficLog(() => now);
    log.grant(0);
    log.grant(12);
    log.ended("released", 300);
    now += 1000;
    log.ended("expired", 5000);
    log.abandon();
    now += 3000;
    const seconds = log.since(0);
    expect(seconds.map((s) => s.startMs)).toEqual([1_000_000, 1_001_000, 1_002_000, 1_003_000]);
    expect(seconds[0]).toMatchObject({ grants: 2, releases: 1, expiries: 0, abandoned: 0 });
    expect(seconds[0]!.wait).toEqual({ count: 2, p50Ms: 12, p99Ms: 12, maxMs: 12 });
    expect(seconds[1]).toMatchObject({ grants: 0, expiries: 1, abandoned: 1, hold: { count: 1, maxMs: 5000 } });
    expect(seconds[2]).toMatchObject({ grants: 0, releases: 0, wait: { count: 0 }, hold: { count: 0 } });
    expect(log.since(1_001_000).map((s) => s.startMs)).toEqual([1_002_000, 1_003_000]);

    now += 10 * TRAFFIC_SECONDS * 1000;
    expect(log.since(0)).toHaveLength(TRAFFIC_SECONDS);
  });

  it("samples at most SAMPLES_PER_SECOND durations a second, keeping the exact count and maximum", () => {
    let now = 0;
    const log = new TrafficLog(() => now);
    for (let i = 1; i <= 10 * SAMPLES_PER_SECOND; i++) log.grant(i % 100);
    log.grant(99_999);
    now = 1000;
    const [second] = log.since(-1);
    expect(second!.wait.count).toBe(10 * SAMPLES_PER_SECOND + 1);
    expect(second!.wait.maxMs).toBe(99_999);
    // A uniform sample of 0..99: the median lies near 50, far from either end.
    expect(second!.wait.p50Ms).toBeGreaterThan(30);
    expect(second!.wait.p50Ms).toBeLessThan(70);
  });
});

describe("LockHistory", () => {
  it("keeps the last holds of a lock, newest first, and ignores an event it has seen", () => {
    const history = new LockHistory(3, 10);
    for (let f = 1n; f <= 5n; f++) {
      expect(history.granted("a", `owner-${f}`, f, Number(f) * 1000, 0)).toBe(true);
      expect(history.ended("a", `owner-${f}`, f, Number(f) * 1000, "released", Number(f) * 1000 + 10)).toBe(true);
    }
    expect(history.granted("a", "owner-5", 5n, 5000, 0)).toBe(false);
    expect(history.ended("a", "owner-5", 5n, 5000, "released", 6000)).toBe(false);
    expect(history.holds("a").map((h) => h.fencing)).toEqual([5n, 4n, 3n]);
    expect(history.holds("a")[0]).toMatchObject({ owner: "owner-5", end: "released", endedAtMs: 5010 });
  });

  it("records the end of a hold whose grant it never saw", () => {
    const history = new LockHistory();
    history.granted("b", "late", 9n, 900, 4);
    expect(history.ended("b", "early", 7n, 700, "expired", 1000)).toBe(true);
    expect(history.holds("b").map((h) => [h.owner, h.end, h.waitedMs])).toEqual([
      ["late", "held", 4],
      ["early", "expired", undefined],
    ]);
  });

  it("forgets the least recently active lock first, so it stays bounded", () => {
    const history = new LockHistory(2, 3);
    for (const name of ["a", "b", "c"]) history.granted(name, "o", 1n, 0, 0);
    history.granted("a", "o", 2n, 0, 0);
    history.granted("d", "o", 1n, 0, 0);
    expect(history.size).toBe(3);
    expect(history.holds("b")).toEqual([]);
    expect(history.holds("a")).toHaveLength(2);
  });

  it("holds at most HOLDS_PER_LOCK × LOCKS_WITH_HISTORY entries; measures their memory", () => {
    const history = new LockHistory();
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let lock = 0; lock < LOCKS_WITH_HISTORY + 500; lock++) {
      for (let f = 0; f < HOLDS_PER_LOCK + 2; f++) history.granted(`lock/${lock}`, `owner-${lock % 50}`, BigInt(1e15 + f), 1e12, 1.5);
    }
    global.gc?.();
    const after = process.memoryUsage().heapUsed;
    expect(history.size).toBe(LOCKS_WITH_HISTORY);
    expect(history.holds(`lock/${LOCKS_WITH_HISTORY + 499}`)).toHaveLength(HOLDS_PER_LOCK);
    expect(history.holds("lock/0")).toEqual([]);
    console.log(`lock history full (${history.size} locks × ${HOLDS_PER_LOCK} holds): heap grew by ${((after - before) / 2 ** 20).toFixed(1)} MiB (garbage included unless run with --expose-gc)`);
  });
});

describe("LockMonitor over a real engine", () => {
  let store: MemoryStore;
  let engine: LockEngine;
  const never = new AbortController().signal;

  beforeEach(() => {
    store = new MemoryStore();
    engine = new LockEngine(store, { ...DEFAULT_CONFIG, minTtlMs: 50 }, () => undefined);
  });
  afterEach(async () => {
    await engine.close();
    await store.close();
  });

  it("measures waits and holds, and records each grant with its fencing token", async () => {
    const first = await engine.acquire({ name: "m", owner: "first", waitUpToMs: 0 }, never);
    const waiting = engine.acquire({ name: "m", owner: "second" }, never);
    await eventually(() => expect(engine.load().waitCalls).toBe(1));
    await new Promise((r) => setTimeout(r, 30));
    await engine.release("m", first.token);
    const second: LeaseRecord = await waiting;
    await engine.release("m", second.token);

    const holds = engine.monitor.history.holds("m");
    expect(holds.map((h) => [h.owner, h.fencing, h.end])).toEqual([
      ["second", second.fencing, "released"],
      ["first", first.fencing, "released"],
    ]);
    expect(holds[1]!.waitedMs).toBe(0);
    expect(holds[0]!.waitedMs).toBeGreaterThanOrEqual(25);

    const seconds = await secondsSoFar(engine.monitor);
    const total = (pick: (s: (typeof seconds)[number]) => number): number => seconds.reduce((n, s) => n + pick(s), 0);
    expect(total((s) => s.grants)).toBe(2);
    expect(total((s) => s.releases)).toBe(2);
    expect(Math.max(...seconds.map((s) => s.wait.maxMs))).toBeGreaterThanOrEqual(25);
    expect(Math.max(...seconds.map((s) => s.hold.maxMs))).toBeGreaterThanOrEqual(25);
  });

  it("counts a wait that leaves the queue as abandoned, and an expiry as an expiry", async () => {
    await engine.acquire({ name: "x", owner: "holder", ttlMs: 60, waitUpToMs: 0 }, never);
    const impatient = await engine.acquire({ name: "x", owner: "impatient", waitUpToMs: 10 }, never).catch((e: unknown) => e);
    expect(impatient).toBeInstanceOf(Error);
    await eventually(() => expect(engine.monitor.history.holds("x")[0]?.end).toBe("expired"), 3000);
    const seconds = await secondsSoFar(engine.monitor);
    expect(seconds.reduce((n, s) => n + s.abandoned, 0)).toBe(1);
    expect(seconds.reduce((n, s) => n + s.expiries, 0)).toBe(1);
  });
});

describe("ReadinessBoard", () => {
  it("shows each wait while it polls, with its attempts and last error", () => {
    const board = new ReadinessBoard();
    const wait = board.add("tcp://127.0.0.1:1", 5);
    wait.record({ type: "failed", attempt: 2, error: "connect ECONNREFUSED", elapsedMs: 10 });
    expect(board.list()).toEqual([{ target: "tcp://127.0.0.1:1", sinceMs: 5, attempts: 2, lastError: "connect ECONNREFUSED" }]);
    wait.done();
    expect(board.size).toBe(0);
  });
});

/** Every second the monitor has recorded, once the current one has closed. */
async function secondsSoFar(monitor: LockMonitor): Promise<ReturnType<LockMonitor["traffic"]["since"]>> {
  const startedMs = Date.now();
  await new Promise((r) => setTimeout(r, 1000 - (startedMs % 1000) + 5));
  return monitor.traffic.since(0);
}
