import { readFileSync } from "node:fs";
import { parseFlagDuration } from "../duration.js";
import { UsageError } from "./command.js";
import { explain, type Subject } from "./explain.js";
import { interruptSignal, type CliIo } from "./io.js";
import { signalStatus } from "./locks/child.js";
import type { CommandLine } from "./parse.js";
import type { CommandSpec } from "./spec.js";
import { createBatonClient, type BatonClient } from "../client/index.js";

/** How a command reaches a server with keys or its own CA. */
export interface Connection {
  apiKey?: string;
  caPem?: Buffer;
}

/** Where client commands look for the server when neither --server nor BATON_URL says. */
export const DEFAULT_URL = "http://127.0.0.1:7070";

/**
 * One run of a command: its parsed command line, read through typed accessors that refuse bad
 * values with a UsageError naming the flag, and the server's errors put in the command's terms.
 */
export class Invocation {
  constructor(
    readonly spec: CommandSpec,
    readonly io: CliIo,
    readonly line: CommandLine,
  ) {}

  /** The positional argument `name` (as the spec names it), if given. */
  arg(name: string): string | undefined {
    const at = this.spec.args.findIndex((a) => a.name === name);
    return at === -1 ? undefined : this.line.positionals[at];
  }

  /** The words after `--`. */
  get rest(): string[] {
    return this.line.rest;
  }

  text(flag: string): string | undefined {
    const value = this.line.values[flag];
    return typeof value === "string" ? value : undefined;
  }

  switch(flag: string): boolean {
    return this.line.values[flag] === true;
  }

  /** A duration flag in milliseconds; a bare number other than 0, or junk, is a UsageError. */
  duration(flag: string): number | undefined {
    const text = this.text(flag);
    if (text === undefined) return undefined;
    try {
      return parseFlagDuration(text, `--${flag}`);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  /** A whole number of at least 1. */
  count(flag: string): number | undefined {
    const text = this.text(flag);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
      throw new UsageError(`--${flag} ${text} is not a whole number of at least 1`);
    }
    return Number(text);
  }

  /** The server's base URL: --server, else BATON_URL, else the default. */
  serverUrl(): string {
    const url = this.text("server") ?? (this.io.env.BATON_URL || DEFAULT_URL);
    const from = this.text("server") !== undefined ? "--server" : this.io.env.BATON_URL ? "BATON_URL" : "the default";
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`${from} "${url}" is not a URL; write e.g. ${DEFAULT_URL}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new UsageError(`${from} "${url}" must start with http:// or https://`);
    }
    return url;
  }

  /** How the user wrote what fills the API field `field`: "--ttl 30ms", "NAME bad/name". */
  subject(field: string | undefined): Subject | undefined {
    if (field === undefined) return undefined;
    const arg = this.spec.args.find((a) => a.field === field);
    if (arg !== undefined) return { label: arg.name, value: this.arg(arg.name) };
    const flag = Object.entries(this.spec.flags).find(([, f]) => f.field === field);
    if (flag !== undefined) return { label: `--${flag[0]}`, value: this.text(flag[0]) };
    return undefined;
  }

  /**
   * Interruptions (SIGINT, SIGTERM, SIGHUP) abort `signal` instead of ending the process, so a
   * waiting command closes its stream and leaves the queue; `status` is then 128 + the signal's
   * number, as shells report it. Call `release` when done.
   */
  interruptible(): { signal: AbortSignal; status(): number | undefined; release(): void } {
    const { signal, received, release } = interruptSignal(this.io);
    return { signal, release, status: () => (received() === undefined ? undefined : signalStatus(received()!)) };
  }

  /**
   * Prints a line for each item `follow` yields until interrupted (then 0, as the commands that
   * follow a stream promise), or fails with the explained error; a stream the server ends is an
   * error (`what` names it). `done` runs at the end either way (closing a client, say).
   */
  async printUntilInterrupted<T>(follow: (signal: AbortSignal) => AsyncIterable<T>, line: (item: T) => string | undefined, what: string, done?: () => void): Promise<number> {
    const stop = this.interruptible();
    try {
      for await (const item of follow(stop.signal)) {
        const text = line(item);
        if (text !== undefined) this.io.stdout.write(text + "\n");
      }
      throw new Error(`the server ended the ${what}`);
    } catch (error) {
      if (stop.status() !== undefined) return 0;
      throw this.explain(error);
    } finally {
      stop.release();
      done?.();
    }
  }

  /**
   * A client of the server, without a session: a lease one command takes must outlive it (a
   * later `baton release` gives it back), and a session's leases end with its process; a refresh
   * on a session would even adopt the lease into it. So every command's lease lives by its TTL.
   */
  lockClient(): BatonClient {
    return createBatonClient(this.serverUrl(), { session: false, ...this.connection() });
  }

  /** The API key (--api-key, else BATON_KEY) and the CA (--ca FILE, else BATON_CA) to reach the server with. */
  connection(): Connection {
    const out: Connection = {};
    const key = this.text("api-key") ?? (this.io.env.BATON_KEY || undefined);
    if (key !== undefined) out.apiKey = key;
    const ca = this.text("ca") ?? (this.io.env.BATON_CA || undefined);
    if (ca !== undefined) {
      try {
        out.caPem = readFileSync(ca);
      } catch (error) {
        throw new UsageError(`--ca "${ca}" cannot be read: ${(error as Error).message}`);
      }
    }
    return out;
  }

  /** A failed call in this command's terms (see explain.ts). */
  explain(error: unknown): Error {
    return explain(error, { url: this.serverUrl(), command: this.spec.name, now: this.io.now(), subject: (f) => this.subject(f) });
  }
}
