import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Row } from "../scenarios.js";

const run = promisify(execFile);

/** What clients/go/cmd/bench prints: one JSON line. */
interface GoBenchResult {
  cycles: number;
  cyclesPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

let built: Promise<string> | undefined;

/** Builds clients/go/cmd/bench once per run (offline, GOPATH mode from Debian's Go packages). */
function goBench(): Promise<string> {
  built ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), "baton-go-bench-")), "bench");
    await run("clients/go/gopath.sh", ["go", "build", "-o", out, "./cmd/bench"]);
    return out;
  })();
  return built;
}

/**
 * The uncontended scenario with the Go client (BENCH_CLIENT=go): C workers, each with its own
 * client (connection and session), loop TryLock → Unlock on a lock of their own, as the
 * TypeScript scenario does. The Go program measures; this reads its JSON line into a row.
 */
export async function goUncontended(url: string, clients: number, durationMs: number): Promise<Row> {
  const binary = await goBench();
  const { stdout } = await run(binary, ["-url", url, "-c", String(clients), "-seconds", String(durationMs / 1000), "-prefix", "bench/go-own-"]);
  const result = JSON.parse(stdout.trim()) as GoBenchResult;
  return {
    scenario: "uncontended acquire→release (Go client)",
    clients,
    throughputPerS: result.cyclesPerSec,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    note: "cycles/s; latency of one cycle",
    // Cycles the server served in the child's lifetime: the timed ones and one warm-up each.
    extra: { cycles: result.cycles + clients },
  };
}
