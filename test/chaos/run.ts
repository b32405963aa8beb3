/**
 * `npm run chaos`: runs the chaos suite (the full run unless `--short`) with vitest, then prints
 * one table of every scenario. Extra arguments go to vitest (e.g. a file filter).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatTable, parseRow, type Row } from "./lib/report.js";

const args = process.argv.slice(2);
const short = args.includes("--short");
const rest = args.filter((a) => a !== "--short");
const dir = mkdtempSync(join(tmpdir(), "baton-chaos-"));
const env = { ...process.env, CHAOS_RESULTS_DIR: dir, ...(short ? {} : { CHAOS_FULL: "1" }) };
console.log(`chaos: ${short ? "short" : "full"} run; logs of crashes and fuzz suspects go to ${dir}`);
const result = spawnSync("npx", ["vitest", "run", ...(rest.length > 0 ? rest : ["test/chaos/"])], { stdio: "inherit", env });
const file = join(dir, "rows.jsonl");
const rows: Row[] = existsSync(file)
  ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map(parseRow)
  : [];
console.log(`\nBaton chaos suite (${short ? "short" : "full"} run)\n`);
console.log(rows.length === 0 ? "no scenario reported a result" : formatTable(rows));
const total = (k: "grants" | "faults" | "fuzzed" | "crashes" | "acceptedOverlaps") => rows.reduce((n, r) => n + r[k], 0);
console.log(`\ntotal: ${total("grants")} grants checked, ${total("faults")} faults, ${total("fuzzed")} fuzzed requests, ${total("crashes")} crashes, ${total("acceptedOverlaps")} accepted overlapping writes`);
process.exit(result.status ?? 1);
