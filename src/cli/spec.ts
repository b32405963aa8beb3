import type { Command } from "./command.js";
import { processIo, type CliIo } from "./io.js";
import { Invocation } from "./invocation.js";
import { parseCommandLine } from "./parse.js";

/** What a flag's value is; it decides how the value is read and what --help shows for it. */
export type FlagKind = "duration" | "count" | "text" | "switch";

/** One flag of a command. Its help line and its default are what --help prints. */
export interface FlagSpec {
  kind: FlagKind;
  /** One-letter alias (`q` for `-q`). */
  short?: string;
  /** The value's name in --help; DUR, N or TEXT by kind unless given. */
  value?: string;
  help: string;
  /** What happens without the flag ("30s", "wait until granted"); printed as "(default: …)". */
  default?: string;
  /** The API request field this flag fills, so that a server error about it names the flag. */
  field?: string;
  /** The command cannot run without it; the synopsis shows it. */
  required?: boolean;
}

/** One positional argument. */
export interface ArgSpec {
  name: string;
  optional?: boolean;
  /** The API request field it fills. */
  field?: string;
}

/** A command described as data: --help, parsing and error messages all come from this. */
export interface CommandSpec {
  name: string;
  summary: string;
  args: ArgSpec[];
  /** What follows `--`, e.g. "CMD [ARGS...]": it is then required. */
  trailing?: string;
  /** Paragraphs after the usage line. */
  description: string;
  flags: Record<string, FlagSpec>;
  /** Text after the options: output format, exit status. */
  notes?: string;
}

/** The flag every command that talks to a server takes. */
export const SERVER_FLAG = {
  server: { kind: "text", value: "URL", help: "the Baton server", default: "$BATON_URL, else http://127.0.0.1:7070" },
  "api-key": { kind: "text", value: "KEY", help: "API key, for a server with keys (prefer $BATON_KEY: flags show in ps)", default: "$BATON_KEY" },
  ca: { kind: "text", value: "FILE", help: "CA certificate (PEM) of an https:// server's certificate", default: "$BATON_CA, else the system's CAs" },
} as const satisfies Record<string, FlagSpec>;

const PLACEHOLDERS: Record<FlagKind, string> = { duration: "DUR", count: "N", text: "TEXT", switch: "" };

/** "baton lock NAME [options] -- CMD [ARGS...]". */
export function synopsis(spec: CommandSpec): string {
  const args = spec.args.map((a) => (a.optional === true ? `[${a.name}]` : a.name));
  const required = Object.entries(spec.flags).filter(([, f]) => f.required === true).map(([name, f]) => flagLabel(name, { ...f, short: undefined }));
  return ["baton", spec.name, ...args, ...required, "[options]", ...(spec.trailing === undefined ? [] : ["--", spec.trailing])].join(" ");
}

/** How a flag is written in --help: "-q, --quiet" or "--ttl DUR". */
export function flagLabel(name: string, flag: FlagSpec): string {
  const value = flag.value ?? PLACEHOLDERS[flag.kind];
  return `${flag.short === undefined ? "" : `-${flag.short}, `}--${name}${value === "" ? "" : " " + value}`;
}

/** The full --help of a command: usage, description, every flag with its default, notes. */
export function renderUsage(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => [
    flagLabel(name, flag),
    flag.help + (flag.default === undefined ? "" : ` (default: ${flag.default})`),
  ]);
  rows.push(["-h, --help", "this help"]);
  const width = Math.max(...rows.map(([label]) => label!.length));
  const options = rows.map(([label, help]) => `  ${label!.padEnd(width)}  ${help}`);
  const durations = Object.values(spec.flags).some((f) => f.kind === "duration")
    ? ["", "Durations take a unit: 500ms, 20s, 5m, 1h. A bare number is refused (write 30s or", "30000ms, not 30), except 0."]
    : [];
  const notes = spec.notes === undefined ? [] : ["", spec.notes];
  return [`Usage: ${synopsis(spec)}`, "", spec.description, "", "Options:", ...options, ...durations, ...notes].join("\n");
}

/** A Command from its spec and its body; the body gets the parsed, checked command line. */
export function defineCommand(spec: CommandSpec, body: (inv: Invocation) => Promise<number>): Command & { spec: CommandSpec } {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: renderUsage(spec),
    spec,
    run: (args: string[], io: CliIo = processIo()) => body(new Invocation(spec, io, parseCommandLine(spec, args))),
  };
}
