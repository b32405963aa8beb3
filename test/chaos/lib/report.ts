import { appendFileSync } from "node:fs";
import { join } from "node:path";

/** One line of the chaos table. */
export interface Row {
  scenario: string;
  grants: number;
  faults: number;
  fuzzed: number;
  crashes: number;
  overlaps: number;
  acceptedOverlaps: number;
  recoveryP50Ms: number | null;
  recoveryMaxMs: number | null;
  problems: string[];
}

/** The p-th percentile (0–100) of some numbers, or null when there are none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const COLUMNS: [string, (r: Row) => string][] = [
  ["scenario", (r) => r.scenario],
  ["grants checked", (r) => String(r.grants)],
  ["faults", (r) => String(r.faults)],
  ["fuzzed", (r) => String(r.fuzzed)],
  ["crashes", (r) => String(r.crashes)],
  ["overlaps", (r) => String(r.overlaps)],
  ["accepted overlaps", (r) => String(r.acceptedOverlaps)],
  ["recovery p50", (r) => ms(r.recoveryP50Ms)],
  ["recovery max", (r) => ms(r.recoveryMaxMs)],
  ["result", (r) => (r.problems.length === 0 ? "ok" : `FAIL (${r.problems.length})`)],
];

function ms(value: number | null): string {
  if (value === null) return "-";
  if (!Number.isFinite(value)) return "never";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** The rows as a fixed-width table, then each failing row's problems. */
export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => COLUMNS.map(([, f]) => f(r)));
  const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  const out = [line(COLUMNS.map(([h]) => h)), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  for (const r of rows) {
    if (r.problems.length === 0) continue;
    out.push("", `${r.scenario}:`);
    for (const p of r.problems) out.push(`  - ${p.split("\n").join("\n    ")}`);
  }
  return out.join("\n");
}

/** Prints a finished scenario's row and, under `npm run chaos`, keeps it for the final table. */
export function recordRow(row: Row): void {
  console.log(`\n${formatTable([row])}\n`);
  const dir = process.env.CHAOS_RESULTS_DIR;
  if (dir !== undefined && dir !== "") appendFileSync(join(dir, "rows.jsonl"), `${JSON.stringify(row, (_k, v: unknown) => (v === Number.POSITIVE_INFINITY ? "Infinity" : v))}\n`);
}

/** A row read back from rows.jsonl ("never" recoveries travel as the string "Infinity"). */
export function parseRow(line: string): Row {
  return JSON.parse(line, (_k, v: unknown) => (v === "Infinity" ? Number.POSITIVE_INFINITY : v)) as Row;
}
