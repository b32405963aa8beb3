import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Runs `baton serve --port 0 ARGS…` as a real child process, for tests that must kill or signal
 * it; resolves with the child and the URL it prints once it listens. The store is memory unless
 * ARGS name one (`--store`, or `--data-dir` for a durable store in the test's own dir), so tests
 * never share `./baton-data`. `stderr()` is everything it wrote there so far.
 */
export async function spawnBaton(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const store = args.includes("--store") || args.includes("--data-dir") ? [] : ["--store", "memory"];
  // Strict: a rejection nobody handles ends the server, so the test that caused it fails.
  const child = spawn(process.execPath, ["--unhandled-rejections=strict", "bin/baton.js", "serve", "--port", "0", ...store, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baton serve did not start:\n${stderr}`)), 20_000);
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const match = /baton: serving on (https?:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`baton serve exited with ${code}:\n${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}
