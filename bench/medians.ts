import type { ClientKind, Target } from "./clients.js";
import type { Measurement } from "./combos.js";

/** The median over repetitions of one scenario at one concurrency, for one client and server. */
export interface Summary {
  client: ClientKind;
  store: string;
  target: Target["label"];
  scenario: string;
  clients: number;
  repetitions: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU µs per cycle (uncontended) or per grant (contended); NaN when not measured. */
  serverCpuUs: number;
  /** Overlapping holders seen, summed over repetitions (contended only). */
  violations: number;
  heapKiBPerWaiter: number;
  rssKiBPerWaiter: number;
}

/** Median of the finite values; NaN if there are none. */
export function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** Groups the measurements by client, server, scenario and C, and takes each figure's median. */
export function summarize(measurements: Measurement[]): Summary[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = [m.store, m.client, m.target, scenarioKind(m.row.scenario), m.row.clients].join("|");
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((ms) => {
    const first = ms[0]!;
    const extra = (name: string): number[] => ms.map((m) => m.row.extra?.[name] ?? Number.NaN);
    return {
      client: first.client,
      store: first.store,
      target: first.target,
      scenario: scenarioKind(first.row.scenario),
      clients: first.row.clients,
      repetitions: ms.length,
      perSecond: median(ms.map((m) => m.row.throughputPerS)),
      p50Ms: median(ms.map((m) => m.row.p50Ms)),
      p99Ms: median(ms.map((m) => m.row.p99Ms)),
      serverCpuUs: median(extra("serverCpuUsPerOp")),
      violations: extra("violations").filter(Number.isFinite).reduce((a, b) => a + b, 0),
      heapKiBPerWaiter: median(extra("heapKiBPerWaiter")),
      rssKiBPerWaiter: median(extra("rssKiBPerWaiter")),
    };
  });
}

/** "uncontended", "contended" or "idle", whatever client-specific words a row's scenario carries. */
export function scenarioKind(scenario: string): string {
  if (scenario.startsWith("uncontended")) return "uncontended";
  if (scenario.startsWith("contended")) return "contended";
  return "idle";
}

/** The summary of one client, server, scenario and C, if it was measured. */
export function find(summaries: Summary[], client: ClientKind, target: Target["label"], scenario: string, clients?: number): Summary | undefined {
  return summaries.find((s) => s.client === client && s.target === target && s.scenario === scenario && (clients === undefined || s.clients === clients));
}
