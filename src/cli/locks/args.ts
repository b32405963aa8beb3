import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDuration } from "../../duration.js";
import { UsageError } from "../command.js";

/** Where client commands look for the server when neither --server nor BATON_URL says. */
export const DEFAULT_URL = "http://127.0.0.1:7070";

/** The option every client command takes. */
export const SERVER_OPTION = { server: { type: "string" } } as const;

/** The help text line for --server, the same in every command. */
export const SERVER_HELP = `  --server URL    the Baton server (default: $BATON_URL, else ${DEFAULT_URL})`;

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flags by name, and the positional arguments. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments strictly; an unknown flag, a missing value or a wrong number of
 * positionals is a UsageError (exit 2). `names` labels the positionals for the message.
 */
export function parse(args: string[], options: Options, names: { required: string[]; optional?: string[] }): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals } = parsed;
  const missing = names.required[positionals.length];
  if (missing !== undefined) throw new UsageError(`${missing} is required`);
  const max = names.required.length + (names.optional?.length ?? 0);
  if (positionals.length > max) throw new UsageError(`unexpected argument "${positionals[max]}"`);
  return { values: parsed.values as Parsed["values"], positionals };
}

/** The server's base URL: --server, else BATON_URL, else the default; a malformed URL is a UsageError. */
export function serverUrl(values: Parsed["values"], env: NodeJS.ProcessEnv = process.env): string {
  const flag = values.server;
  const url = typeof flag === "string" ? flag : env.BATON_URL || DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the server URL "${url}" is not a URL; write e.g. ${DEFAULT_URL}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`the server URL "${url}" must start with http:// or https://`);
  }
  return url;
}

/** An optional duration flag in milliseconds ("500ms", "20s", "5m", "1h"); bad text is a UsageError. */
export function durationFlag(values: Parsed["values"], flag: string): number | undefined {
  const text = values[flag];
  if (typeof text !== "string") return undefined;
  try {
    return parseDuration(text, `--${flag}`);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** An optional positive whole-number flag; anything else is a UsageError. */
export function countFlag(values: Parsed["values"], flag: string): number | undefined {
  const text = values[flag];
  if (typeof text !== "string") return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
    throw new UsageError(`--${flag}: "${text}" is not a whole number of at least 1`);
  }
  return Number(text);
}

/** An optional string flag. */
export function stringFlag(values: Parsed["values"], flag: string): string | undefined {
  const value = values[flag];
  return typeof value === "string" ? value : undefined;
}

/** The flags of a command that asks for a lease (`lock`, `acquire`), besides --server. */
export const LEASE_OPTIONS = {
  ttl: { type: "string" },
  wait: { type: "string" },
  limit: { type: "string" },
  owner: { type: "string" },
  quiet: { type: "boolean", short: "q" },
} as const;

/** The lease request those flags describe, for the lock named NAME. */
export function leaseRequest(values: Parsed["values"], name: string) {
  return {
    name,
    ttlMs: durationFlag(values, "ttl"),
    waitMs: durationFlag(values, "wait"),
    limit: countFlag(values, "limit"),
    owner: stringFlag(values, "owner"),
  };
}
