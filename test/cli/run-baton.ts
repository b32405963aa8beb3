import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The real `baton` entry point, as `npx baton` runs it. */
export const BATON_BIN = fileURLToPath(new URL("../../bin/baton.js", import.meta.url));

/** A running `baton` process whose output accumulates as it comes. */
export interface BatonProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit status (128+N for a death by signal N). */
  readonly exit: Promise<number>;
}

/** Starts `node bin/baton.js ...args` with BATON_URL pointing at `url` (unless env says otherwise). */
export function spawnBaton(args: string[], url: string, env: Record<string, string> = {}): BatonProcess {
  const child = spawn(process.execPath, [BATON_BIN, ...args], {
    env: { ...process.env, BATON_URL: url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 128)));
  });
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Runs `baton ...args` to its end. */
export async function runBaton(
  args: string[],
  url: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = spawnBaton(args, url, env);
  const code = await p.exit;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** True while the process exists and is not a zombie (this container's init may not reap orphans). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the parenthesised command name.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
