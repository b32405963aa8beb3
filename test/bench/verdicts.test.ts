import { describe, expect, it } from "vitest";
import type { Measurement, Plan } from "../../bench/combos.js";
import { median, summarize, type Summary } from "../../bench/medians.js";
import { contended } from "../../bench/scenarios.js";
import { cpuMicros } from "../../bench/server-cpu.js";
import { judge } from "../../bench/targets.js";

const plan: Plan = { seconds: 1, uncontendedC: [1, 16, 64], contendedC: [16], waiters: 10, store: "memory", serverFlags: () => [], instances: 1 };

function summary(partial: Partial<Summary> & Pick<Summary, "client" | "target" | "scenario">): Summary {
  return { store: "memory", clients: 1, repetitions: 1, perSecond: 1000, p50Ms: 0.2, p99Ms: 1, serverCpuUs: 100, violations: 0, heapKiBPerWaiter: Number.NaN, rssKiBPerWaiter: Number.NaN, ...partial };
}

/** The uncontended summaries of one client and server at C = 1, 16, 64, with these cycles/s. */
function uncontended(client: Summary["client"], target: Summary["target"], perSecond: number[], serverCpuUs = 100): Summary[] {
  return plan.uncontendedC.map((clients, i) => summary({ client, target, scenario: "uncontended", clients, perSecond: perSecond[i]!, serverCpuUs }));
}

describe("bench medians", () => {
  it("takes the middle value, the mean of the two middle ones, and skips what was not measured", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it("groups repetitions by store, client, server, scenario and C, and sums overlaps", () => {
    const row = (perSecond: number, violations: number, clients = 16) => ({
      scenario: "contended, one lock", clients, throughputPerS: perSecond, p50Ms: 0.1, p99Ms: perSecond / 1000, note: "", extra: { violations, serverCpuUsPerOp: perSecond / 10 },
    });
    const ms: Measurement[] = [
      { client: "grpc", store: "memory", target: "now", repetition: 1, row: row(100, 0) },
      { client: "grpc", store: "memory", target: "now", repetition: 2, row: row(300, 1) },
      { client: "grpc", store: "memory", target: "now", repetition: 3, row: row(200, 0) },
      { client: "grpc", store: "memory", target: "base", repetition: 1, row: row(50, 0) },
      { client: "grpc", store: "memory", target: "now", repetition: 1, row: row(999, 0, 2) },
    ];
    const out = summarize(ms);
    expect(out).toHaveLength(3);
    const now16 = out.find((s) => s.target === "now" && s.clients === 16)!;
    expect(now16).toMatchObject({ scenario: "contended", repetitions: 3, perSecond: 200, p99Ms: 0.2, serverCpuUs: 20, violations: 1 });
  });
});

describe("bench targets", () => {
  it("meets every target when the figures clear them, judged as ratios within the run", () => {
    const all = [
      ...uncontended("grpc", "now", [1500, 1300, 1300], 150),
      ...uncontended("etcd", "etcd", [1000, 1000, 1000]),
      ...uncontended("ts", "now", [2000, 3000, 3000]),
      ...uncontended("ts", "base", [2000, 2900, 3000]),
      ...uncontended("ts-grpc", "now", [1700, 2550, 2600]),
      summary({ client: "grpc", target: "now", scenario: "contended", clients: 16, p99Ms: 3 }),
      summary({ client: "ts", target: "now", scenario: "idle", clients: 10, heapKiBPerWaiter: 3.9 }),
    ];
    expect(judge(all, plan).map((v) => v.met)).toEqual([true, true, true, true, true, true, true]);
  });

  it("misses a target by any one figure, and says not measured when a figure is absent", () => {
    const all = [
      ...uncontended("grpc", "now", [1400, 1300, 1300], 151),
      ...uncontended("etcd", "etcd", [1000, 1000, 1000]),
      ...uncontended("ts", "now", [2000, 2899, 3000]),
      ...uncontended("ts", "base", [2000, 2900, 3000]),
      summary({ client: "grpc", target: "now", scenario: "contended", clients: 16, p99Ms: 3.1, violations: 1 }),
    ];
    const verdicts = judge(all, plan);
    expect(verdicts.map((v) => v.met)).toEqual([false, false, false, undefined, false, undefined, false]);
    expect(verdicts[1]!.figures).toContain("C=1: 1,400 vs 1,000 = 1.40× (need 1.5×)");
  });
});

describe("bench server CPU probe", () => {
  it("reads a process's CPU time from /proc, and it grows while the process works", () => {
    const before = cpuMicros([process.pid]);
    const until = performance.now() + 100;
    let spin = 0;
    while (performance.now() < until) spin++;
    expect(spin).toBeGreaterThan(0);
    expect(cpuMicros([process.pid])).toBeGreaterThan(before);
    expect(cpuMicros([process.pid, process.pid])).toBeGreaterThanOrEqual(2 * before);
  });
});

describe("bench overlap checker", () => {
  it("counts overlaps when a lock lets two holders in (a 'lock' that never excludes anyone)", async () => {
    let token = 0;
    const noLock = () => ({ acquire: async () => String(++token), release: async () => {}, close: () => {} });
    const row = await contended(noLock, 4, 50);
    expect(row.extra?.violations).toBeGreaterThan(0);
  });
});
