import type { CliIo } from "./io.js";

/** A `baton` sub-command: its name, one line of help, the full help, and what it runs. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /**
   * Runs with the arguments after the command's name, reading and writing only through `io`
   * (the real process when omitted, as `serve` runs); resolves with the exit code. Throws
   * UsageError for bad usage (exit 2), any other Error for a failure (exit 1, its message on
   * stderr).
   */
  run(args: string[], io?: CliIo): Promise<number>;
}

/** An error the CLI reports as one line on stderr with exit code 2 (bad usage). */
export class UsageError extends Error {}
