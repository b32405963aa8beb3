/** A `baton` sub-command: its name, one line of help, the full help, and what it runs. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Runs with the arguments after the command's name; resolves with the exit code. */
  run(args: string[]): Promise<number>;
}

/** An error the CLI reports as one line on stderr with exit code 2 (bad usage). */
export class UsageError extends Error {}
