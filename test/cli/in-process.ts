import { Readable } from "node:stream";
import { main } from "../../src/cli/main.js";
import type { CliIo, Interrupt } from "../../src/cli/io.js";
import { spawnInGroup } from "../../src/cli/locks/child.js";

/** Where and how an in-process `baton` runs. */
export interface RunOptions {
  /** BATON_URL; omitted when undefined. */
  url?: string;
  /** More environment (PATH and HOME are passed on, for `baton lock`'s CMD). */
  env?: Record<string, string>;
  /** What `--payload-file -` reads. */
  stdin?: string;
  /** Pretend stdout and stderr are terminals. */
  tty?: boolean;
}

/** A `baton` command running in this process, its output accumulating as it comes. */
export interface Running {
  readonly done: Promise<number>;
  stdout(): string;
  stderr(): string;
  /** Delivers SIGINT, SIGTERM or SIGHUP to the command, as the process would. */
  interrupt(signal: Interrupt): void;
}

/**
 * Starts `main(args, io)` with an io of buffers, its own environment and interruptions, and the
 * real spawn (CMD's output lands in the same buffers). Nothing of this process's own stdio,
 * environment or signal handlers is touched.
 */
export function startBaton(args: string[], options: RunOptions = {}): Running {
  let out = "";
  let err = "";
  const listeners = new Set<(signal: Interrupt) => void>();
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  if (options.url !== undefined) env.BATON_URL = options.url;
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env,
    now: () => Date.now(),
    interrupts: {
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    spawn: (argv, childEnv) => spawnInGroup(argv, childEnv, { stdout: (c) => (out += c), stderr: (c) => (err += c) }),
  };
  return {
    done: main(args, io),
    stdout: () => out,
    stderr: () => err,
    interrupt(signal) {
      for (const listener of [...listeners]) listener(signal);
    },
  };
}

/** Runs `baton ...args` in process to its end. */
export async function baton(args: string[], options: RunOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startBaton(args, options);
  const code = await run.done;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
