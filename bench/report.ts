import { CLIENT_LABELS, type ClientKind } from "./clients.js";
import { find, type Summary } from "./medians.js";
import type { Plan } from "./combos.js";
import { fmt } from "./stats.js";

/** "a / b / c" of the figures, "-" where one is missing. */
function slash(values: (number | undefined)[]): string {
  return values.map((v) => (v === undefined ? "-" : fmt(v))).join(" / ");
}

/** The column of one client against one server ("now" holds etcd's own figures). */
function cells(summaries: Summary[], client: ClientKind, target: "now" | "base", plan: Plan): string[] {
  const t = client === "etcd" ? (target === "now" ? "etcd" : undefined) : target;
  const get = (scenario: string, c: number): Summary | undefined => (t === undefined ? undefined : find(summaries, client, t, scenario, c));
  const uncontended = plan.uncontendedC.map((c) => get("uncontended", c));
  const contended = plan.contendedC.map((c) => get("contended", c));
  return [
    uncontended.every((s) => s === undefined) ? "-" : slash(uncontended.map((s) => s?.perSecond)),
    uncontended.every((s) => s === undefined) ? "-" : slash(uncontended.map((s) => s?.serverCpuUs)),
    contended.every((s) => s === undefined)
      ? "-"
      : contended.map((s) => (s === undefined ? "-" : `${fmt(s.perSecond)}, p50 ${fmt(s.p50Ms)} / p99 ${fmt(s.p99Ms)} ms, ${fmt(s.serverCpuUs)} µs`)).join("; "),
  ];
}

/**
 * The side-by-side table: one row per client, each figure for this checkout next to the base's,
 * medians over the repetitions; then the idle-waiter memory, where it was measured.
 */
export function resultsTable(summaries: Summary[], clients: ClientKind[], plan: Plan, baseLabel: string): string {
  const cs = plan.uncontendedC.join(" / ");
  const lines = [
    `| client | uncontended cycles/s, C = ${cs}: now | ${baseLabel} | server CPU µs per cycle, C = ${cs}: now | ${baseLabel} | contended C = ${plan.contendedC.join(", ")}: grants/s, hand-off, server µs per grant: now | ${baseLabel} | overlaps |`,
    "|---|---|---|---|---|---|---|---:|",
  ];
  for (const client of clients) {
    const now = cells(summaries, client, "now", plan);
    const base = cells(summaries, client, "base", plan);
    const violations = summaries.filter((s) => s.client === client && s.scenario === "contended").reduce((a, s) => a + s.violations, 0);
    const contendedRan = summaries.some((s) => s.client === client && s.scenario === "contended");
    lines.push(`| ${CLIENT_LABELS[client]} | ${now[0]} | ${base[0]} | ${now[1]} | ${base[1]} | ${now[2]} | ${base[2]} | ${contendedRan ? violations : "-"} |`);
  }
  const idle = summaries.filter((s) => s.scenario === "idle");
  if (idle.length > 0) {
    lines.push("", `| idle waiters (${plan.waiters}) | heap / RSS KiB per waiter: now | ${baseLabel} | release → grant at the head, ms: now | ${baseLabel} |`, "|---|---|---|---|---|");
    for (const client of clients) {
      const now = find(summaries, client, "now", "idle");
      const base = find(summaries, client, "base", "idle");
      if (now === undefined && base === undefined) continue;
      const mem = (s: Summary | undefined): string => (s === undefined ? "-" : `${fmt(s.heapKiBPerWaiter)} / ${fmt(s.rssKiBPerWaiter)}`);
      lines.push(`| ${CLIENT_LABELS[client]} | ${mem(now)} | ${mem(base)} | ${now ? fmt(now.p50Ms) : "-"} | ${base ? fmt(base.p50Ms) : "-"} |`);
    }
  }
  return lines.join("\n");
}
