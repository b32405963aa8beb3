import { parseArgs } from "node:util";
import { closestMatch } from "leven";
import { UsageError } from "./command.js";
import { flagLabel, synopsis, type CommandSpec, type FlagSpec } from "./spec.js";

/** A command line split into its flags, positional arguments and what follows `--`. */
export interface CommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** The words after `--` for a command with a trailing part (`baton lock`'s CMD), else []. */
  rest: string[];
}

/**
 * Reads `args` as `spec` describes. Node's parseArgs splits the words (in its lenient mode, so
 * that every mistake is ours to word): an unknown flag suggests the closest known one, a flag
 * missing its value or a missing argument is named together with the command's synopsis.
 */
export function parseCommandLine(spec: CommandSpec, args: string[]): CommandLine {
  let words = args;
  let rest: string[] | undefined;
  if (spec.trailing !== undefined) {
    const split = args.indexOf("--");
    if (split !== -1) [words, rest] = [args.slice(0, split), args.slice(split + 1)];
  }
  const options = Object.fromEntries(
    Object.entries(spec.flags).map(([name, f]) => [name, { type: f.kind === "switch" ? "boolean" : "string", ...(f.short ? { short: f.short } : {}) }]),
  ) as NonNullable<Parameters<typeof parseArgs>[0]>["options"];
  const parsed = parseArgs({ args: words, options: { ...options, help: { type: "boolean", short: "h" } }, strict: false, allowPositionals: true, tokens: true });
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || token.name === "help") continue;
    const flag = spec.flags[token.name];
    if (flag === undefined) throw new UsageError(unknownFlag(token.rawName, spec));
    const label = `--${token.name}`;
    if (flag.kind === "switch") {
      if (token.inlineValue === true) throw new UsageError(`${label} takes no value (write ${label}, not ${token.rawName}=${token.value})`);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${label} needs a value: ${flagLabel(token.name, flag)}`);
    if (token.inlineValue === false && token.value.startsWith("--")) {
      throw new UsageError(`${label} needs a value before ${token.value}: ${flagLabel(token.name, flag)}`);
    }
  }
  const positionals = parsed.positionals;
  const required = spec.args.filter((a) => a.optional !== true);
  const missing = required[positionals.length];
  if (missing !== undefined) throw new UsageError(`${missing.name} is missing: ${synopsis(spec)}`);
  if (positionals.length > spec.args.length) {
    const extra = positionals[spec.args.length]!;
    if (spec.trailing !== undefined && rest === undefined) {
      throw new UsageError(`put -- before the command to run ("${extra}"): ${synopsis(spec)}`);
    }
    throw new UsageError(`unexpected argument "${extra}": ${synopsis(spec)}`);
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.required === true && (parsed.values[name] === undefined || parsed.values[name] === "")) {
      throw new UsageError(`${flagLabel(name, { ...flag, short: undefined })} is missing: ${synopsis(spec)}`);
    }
  }
  if (spec.trailing !== undefined && (rest === undefined || rest.length === 0)) {
    throw new UsageError(`${spec.trailing.split(" ")[0]} is missing: ${synopsis(spec)}`);
  }
  return { values: parsed.values as CommandLine["values"], positionals, rest: rest ?? [] };
}

/** "unknown option --tll; did you mean --ttl?" */
function unknownFlag(rawName: string, spec: CommandSpec): string {
  const known = Object.keys(spec.flags);
  const typed = rawName.replace(/^-+/, "");
  const guess = rawName.startsWith("--") ? closest(typed, known, spec.flags) : shortGuess(typed, spec.flags);
  const hint = guess === undefined ? `see baton ${spec.name} --help for its options` : `did you mean --${guess}?`;
  return `unknown option ${rawName}; ${hint}`;
}

function closest(typed: string, known: string[], flags: Record<string, FlagSpec>): string | undefined {
  const prefixed = known.filter((name) => name.startsWith(typed));
  if (prefixed.length === 1) return prefixed[0];
  const near = closestMatch(typed, known, { maxDistance: typed.length <= 3 ? 1 : 2 });
  return near ?? Object.keys(flags).find((name) => flags[name]!.short === typed);
}

/** `-t` for a command with `--ttl` but no `-t`: the long flag whose name starts with the letter. */
function shortGuess(typed: string, flags: Record<string, FlagSpec>): string | undefined {
  const starting = Object.keys(flags).filter((name) => name.startsWith(typed));
  return starting.length === 1 ? starting[0] : undefined;
}
