import { spawn, type ChildProcess } from "node:child_process";

/** A Baton server running in its own process, as users run it. */
export interface BenchServer {
  url: string;
  pid: number;
  /** Server heap after a full GC and RSS, in bytes (needs the bench-only memory route). */
  memory(): Promise<{ heapUsed: number; rss: number }>;
  /** What the server printed on stderr so far (the durable store's flush figures at shutdown). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `baton serve` on a free port with the given extra flags, and waits until it listens.
 * The flags must name a store (`--store memory`, or a durable store's own `--data-dir`): the
 * default durable store in ./baton-data would be shared with whatever else runs here.
 * `buildDir` is the checkout whose `bin/baton.js` runs (this one, or the base's worktree).
 */
export async function startBenchServer(flags: string[] = [], buildDir = process.cwd()): Promise<BenchServer> {
  // BENCH_SERVER_FLAGS passes Node flags to the server, e.g. "--cpu-prof --cpu-prof-dir=prof".
  const nodeFlags = (process.env.BENCH_SERVER_FLAGS ?? "").split(" ").filter((f) => f !== "");
  const entry = ["bin/baton.js", "serve", "--port", "0"];
  const child: ChildProcess = spawn(process.execPath, ["--expose-gc", ...nodeFlags, ...entry, ...flags], {
    cwd: buildDir,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, BATON_BENCH: "1" },
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    pid: child.pid!,
    async memory() {
      const res = await fetch(`${url}/debug/memory`);
      return (await res.json()) as { heapUsed: number; rss: number };
    },
    stderr: () => stderr,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
