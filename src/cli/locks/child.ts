import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { constants } from "node:os";

/** How a command ended: its exit status as a shell reports it, or why it never started. */
export type ChildOutcome = { kind: "exited"; status: number; description: string } | { kind: "failed"; error: Error };

/** A command running in its own process group, so that the whole group can be signalled. */
export interface GroupChild {
  readonly pid: number;
  /** Settles once the command has exited (or failed to start). */
  readonly done: Promise<ChildOutcome>;
  /** Sends `signal` to every process of the group; false when none is left. */
  signal(signal: NodeJS.Signals): boolean;
  /** SIGTERM to the group, then SIGKILL to whatever is left of it after `graceMs`. */
  terminate(graceMs: number): Promise<void>;
}

/** 128 + the signal's number, as shells report a death by signal. */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Where a child's output goes instead of this process's own stdout and stderr (for tests). */
export interface ChildOutput {
  stdout(chunk: string): void;
  stderr(chunk: string): void;
}

/** How `baton lock` starts its CMD; `CliIo.spawn` carries one. */
export type SpawnInGroup = (argv: string[], env: Readonly<Record<string, string | undefined>>) => Promise<GroupChild | { error: Error }>;

/**
 * Starts `argv` in a new process group (detached), so that a lost lease can stop the command
 * together with everything it started. The group leader's pid names the group. The child inherits
 * this process's stdio, unless `output` takes its stdout and stderr (its stdin is then closed).
 */
export function spawnInGroup(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  output?: ChildOutput,
): Promise<GroupChild | { error: Error }> {
  const [file, ...args] = argv;
  const stdio: StdioOptions = output === undefined ? "inherit" : ["ignore", "pipe", "pipe"];
  const child: ChildProcess = spawn(file!, args, { stdio, detached: true, env: env as NodeJS.ProcessEnv });
  if (output !== undefined) {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => output.stdout(chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => output.stderr(chunk));
  }
  const done = new Promise<ChildOutcome>((resolve) => {
    child.once("error", (error) => resolve({ kind: "failed", error }));
    // Piped output is complete only once the pipes close ("close"); inherited stdio needs no wait.
    child.once(output === undefined ? "exit" : "close", (code: number | null, signal: NodeJS.Signals | null) => {
      if (signal !== null) resolve({ kind: "exited", status: signalStatus(signal), description: `was killed by ${signal}` });
      else resolve({ kind: "exited", status: code ?? 1, description: `exited with status ${code}` });
    });
  });
  return new Promise((resolve) => {
    child.once("spawn", () => resolve(group(child.pid!, done)));
    child.once("error", (error) => resolve({ error }));
  });
}

function group(pid: number, done: Promise<ChildOutcome>): GroupChild {
  const send = (signal: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  return {
    pid,
    done,
    signal: (signal) => send(signal),
    async terminate(graceMs) {
      if (!send("SIGTERM")) return;
      const deadline = Date.now() + graceMs;
      // Wait for the leader, then for the rest of its group, until the grace runs out.
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
      const leaderGone = await Promise.race([done.then(() => true), graceOver]);
      clearTimeout(timer);
      while (leaderGone && send(0) && Date.now() < deadline) await sleep(50);
      send("SIGKILL");
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
