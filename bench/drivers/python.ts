import { spawn } from "node:child_process";
import type { Row } from "../scenarios.js";

/**
 * BENCH_CLIENT=python: the uncontended scenario run by the Python client's own bench
 * (clients/python/bench.py, asyncio, one client per worker) in a child process, so the figures
 * are the Python client's, not Node's. PYTHON picks the interpreter (default /usr/bin/python3).
 */
export async function pythonUncontended(url: string, clients: number, durationMs: number): Promise<Row> {
  const python = process.env.PYTHON ?? "/usr/bin/python3";
  const args = ["clients/python/bench.py", url, "--concurrency", String(clients), "--seconds", String(durationMs / 1000)];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${python} ${args.join(" ")} exited with ${code}:\n${stderr}`))));
  });
  const result = JSON.parse(output.trim().split("\n").pop()!) as { cycles: number; cyclesPerS: number; p50Ms: number; p99Ms: number; python: string; grpcio: string };
  return {
    scenario: "uncontended acquire→release (Python client, asyncio)",
    clients,
    throughputPerS: result.cyclesPerS,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    note: `cycles/s; Python ${result.python}, grpcio ${result.grpcio}`,
    // Cycles the server served in the child's lifetime: the timed ones and one warm-up each.
    extra: { cycles: result.cycles + clients },
  };
}
