import { readFileSync } from "node:fs";
import { parseClients } from "./clients.js";
import type { Measurement, Plan } from "./combos.js";
import { summarize } from "./medians.js";
import { resultsTable } from "./report.js";
import { judge, targetsTable } from "./targets.js";

/** What run.ts writes to bench/results/<name>.json (the parts this reads). */
interface SavedRun {
  header: { date: string; base: string; clients: string; loadAverage: string; repetitions: number };
  plans?: Omit<Plan, "serverFlags">[];
  measurements: (Omit<Measurement, "store"> & { store?: string })[];
}

/**
 * Medians over several saved runs of the same bench, as if they were one run with all their
 * repetitions: `node dist-bench/bench/merge.js run1 run2 run3` (names under bench/results/).
 * On a shared machine whose speed drifts, more repetitions spread over more time give steadier
 * medians than any one run.
 */
function main(names: string[]): void {
  const runs = names.map((n) => JSON.parse(readFileSync(`bench/results/${n}.json`, "utf8")) as SavedRun);
  if (runs.length === 0) throw new Error("usage: merge.js NAME… (files under bench/results/)");
  if (new Set(runs.map((r) => r.header.base)).size > 1) throw new Error("the runs compare with different bases");
  let offset = 0;
  const measurements: Measurement[] = [];
  for (const run of runs) {
    measurements.push(...run.measurements.map((m) => ({ ...m, store: m.store ?? "memory", repetition: m.repetition + offset })));
    offset += run.header.repetitions;
  }
  const saved = runs.find((r) => r.plans !== undefined)?.plans?.[0];
  const plan: Plan = { seconds: 5, uncontendedC: [1, 16, 64], contendedC: [16], waiters: 10_000, store: "memory", instances: 1, ...saved, serverFlags: () => [] };
  const summaries = summarize(measurements).filter((s) => s.store === plan.store);
  const clients = parseClients(runs[0]!.header.clients);
  for (const run of runs) console.log(`${run.header.date}: ${run.header.repetitions} repetition(s), load average ${run.header.loadAverage}`);
  console.log(`\nmedians of ${offset} repetitions (${plan.store} store):\n`);
  console.log(resultsTable(summaries, clients, plan, `base ${runs[0]!.header.base.slice(0, 7)}`));
  console.log(`\ntargets:\n\n${targetsTable(judge(summaries, plan))}`);
}

main(process.argv.slice(2));
