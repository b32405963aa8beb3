import { find, type Summary } from "./medians.js";
import type { Plan } from "./combos.js";
import { fmt } from "./stats.js";

/** One of issue 11's targets, judged on this run's medians. */
export interface Verdict {
  target: string;
  figures: string;
  /** undefined when the run did not measure what the target needs. */
  met: boolean | undefined;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

/** Every target judged on one run; the comparisons are ratios within the run, never absolute figures from other days. */
export function judge(summaries: Summary[], plan: Plan): Verdict[] {
  const unc = (client: "ts" | "ts-grpc" | "grpc" | "etcd", target: "now" | "base" | "etcd", c: number): Summary | undefined => find(summaries, client, target, "uncontended", c);
  const cs = plan.uncontendedC;
  const verdicts: Verdict[] = [];

  const grpcCpu = cs.map((c) => unc("grpc", "now", c));
  verdicts.push({
    target: "plain gRPC unary: server CPU per acquire + release ≤ 150 µs (every C)",
    figures: cs.map((c, i) => `C=${c}: ${grpcCpu[i] ? fmt(grpcCpu[i]!.serverCpuUs) : "-"} µs`).join(", "),
    met: grpcCpu.every((s) => s !== undefined) ? grpcCpu.every((s) => s!.serverCpuUs <= 150) : undefined,
  });

  const vsEtcd = cs.map((c) => ({ c, grpc: unc("grpc", "now", c), etcd: unc("etcd", "etcd", c), need: c === 1 ? 1.5 : 1.2 }));
  verdicts.push({
    target: "plain gRPC uncontended ≥ 1.5× etcd at C=1, ≥ 1.2× at C=16 and 64",
    figures: vsEtcd.map((v) => (v.grpc && v.etcd ? `C=${v.c}: ${fmt(v.grpc.perSecond)} vs ${fmt(v.etcd.perSecond)} = ${ratio(v.grpc.perSecond, v.etcd.perSecond)} (need ${v.need}×)` : `C=${v.c}: -`)).join("; "),
    met: vsEtcd.every((v) => v.grpc && v.etcd) ? vsEtcd.every((v) => v.grpc!.perSecond >= v.need * v.etcd!.perSecond) : undefined,
  });

  const handoff = find(summaries, "grpc", "now", "contended", 16);
  verdicts.push({
    target: "plain gRPC contended hand-off p99 ≤ 3 ms at C=16",
    figures: handoff ? `p99 ${fmt(handoff.p99Ms)} ms (p50 ${fmt(handoff.p50Ms)} ms), ${fmt(handoff.perSecond)} grants/s` : "-",
    met: handoff ? handoff.p99Ms <= 3 : undefined,
  });

  const sessions = cs.map((c) => ({ c, grpc: unc("ts-grpc", "now", c), connect: unc("ts", "now", c) }));
  verdicts.push({
    target: "Session over gRPC within 15 % of Session over Connect binary (uncontended, every C)",
    figures: sessions.map((s) => (s.grpc && s.connect ? `C=${s.c}: ${fmt(s.grpc.perSecond)} vs ${fmt(s.connect.perSecond)} = ${ratio(s.grpc.perSecond, s.connect.perSecond)}` : `C=${s.c}: -`)).join("; "),
    met: sessions.every((s) => s.grpc && s.connect) ? sessions.every((s) => s.grpc!.perSecond >= 0.85 * s.connect!.perSecond) : undefined,
  });

  const vsBase = cs.map((c) => ({ c, now: unc("ts", "now", c), base: unc("ts", "base", c) }));
  verdicts.push({
    target: "TypeScript client ≥ the base at every C (uncontended)",
    figures: vsBase.map((v) => (v.now && v.base ? `C=${v.c}: ${fmt(v.now.perSecond)} vs ${fmt(v.base.perSecond)} = ${ratio(v.now.perSecond, v.base.perSecond)}` : `C=${v.c}: -`)).join("; "),
    met: vsBase.every((v) => v.now && v.base) ? vsBase.every((v) => v.now!.perSecond >= v.base!.perSecond) : undefined,
  });

  const idle = find(summaries, "ts", "now", "idle");
  verdicts.push({
    target: "server memory per idle waiter ≤ 4 KiB (TypeScript client's queued acquires, heap after a full GC)",
    figures: idle ? `heap ${fmt(idle.heapKiBPerWaiter)} KiB, RSS ${fmt(idle.rssKiBPerWaiter)} KiB per waiter` : "-",
    met: idle ? idle.heapKiBPerWaiter <= 4 : undefined,
  });

  const overlaps = summaries.filter((s) => s.scenario === "contended");
  verdicts.push({
    target: "no two holders overlap (every contended run)",
    figures: `${overlaps.reduce((a, s) => a + s.violations, 0)} overlaps in ${overlaps.reduce((a, s) => a + s.repetitions, 0)} contended runs`,
    met: overlaps.length > 0 ? overlaps.every((s) => s.violations === 0) : undefined,
  });
  return verdicts;
}

/** The verdicts as a table. */
export function targetsTable(verdicts: Verdict[]): string {
  const word = (met: boolean | undefined): string => (met === undefined ? "not measured" : met ? "**met**" : "**missed**");
  return ["| target | this run (medians) | verdict |", "|---|---|---|", ...verdicts.map((v) => `| ${v.target} | ${v.figures} | ${word(v.met)} |`)].join("\n");
}
