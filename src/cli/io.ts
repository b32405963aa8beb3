import { spawnInGroup, type SpawnInGroup } from "./locks/child.js";

/** Somewhere a command writes text: the process's stdout or stderr, or a test's buffer. */
export interface Output {
  write(text: string): unknown;
  /** True when a person reads it on a terminal (progress lines are shown then). */
  readonly isTTY?: boolean;
}

/** The signals that interrupt a command: Ctrl-C, `kill`, a closed terminal. */
export type Interrupt = "SIGINT" | "SIGTERM" | "SIGHUP";

/** Where a command hears about interruptions while it wants to handle them itself. */
export interface Interrupts {
  /**
   * Calls `listener` with every interruption until the returned function is called. While any
   * listener is subscribed, an interruption no longer ends the process: the command decides.
   */
  subscribe(listener: (signal: Interrupt) => void): () => void;
}

/**
 * Everything a `baton` command touches outside itself. `bin/baton.js` passes the real process
 * (`processIo()`); tests pass buffers, their own environment and interruptions, so that commands
 * run in process. Child processes (`baton lock`'s CMD) stay real either way.
 */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Read by `--payload-file -`. */
  readonly stdin: AsyncIterable<string | Uint8Array>;
  /** The environment: BATON_URL, BATON_DATA_DIR, and what `baton lock` passes on to CMD. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The clock for "until 14:40:02 (in 29s)" and timestamps on watch lines. */
  now(): number;
  readonly interrupts: Interrupts;
  /** Starts `baton lock`'s CMD in its own process group. */
  readonly spawn: SpawnInGroup;
}

/** The real process: its streams, environment, signals and clock. */
export function processIo(): CliIo {
  const signals: Interrupt[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    now: () => Date.now(),
    interrupts: {
      subscribe(listener) {
        const handlers = signals.map((s) => [s, () => listener(s)] as const);
        for (const [s, h] of handlers) process.on(s, h);
        return () => {
          for (const [s, h] of handlers) process.off(s, h);
        };
      },
    },
    spawn: (argv, env) => spawnInGroup(argv, env),
  };
}

/**
 * An AbortSignal that aborts on the first interruption (its reason is the signal's name), for a
 * command that waits on a stream; `release` stops listening.
 */
export function interruptSignal(io: CliIo): { signal: AbortSignal; received: () => Interrupt | undefined; release: () => void } {
  const stop = new AbortController();
  let received: Interrupt | undefined;
  const release = io.interrupts.subscribe((signal) => {
    received ??= signal;
    stop.abort(signal);
  });
  return { signal: stop.signal, received: () => received, release };
}

/** Writes a progress line to stderr when a person watches (stderr is a terminal) or when asked. */
export function progress(io: CliIo, line: string, verbose: boolean): void {
  if (verbose || io.stderr.isTTY === true) io.stderr.write(line + "\n");
}
