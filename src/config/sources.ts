import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { dropDistributexBackend } from "../server/compat/distributex-config.js";
import { BY_ENV, BY_FLAG, CONFIG_FILE, SETTINGS } from "./names.js";
import { closestName, didYouMean } from "./suggest.js";

/** Settings from one source, by their YAML names, before validation. */
export type RawSettings = Record<string, unknown>;

/** Where one source's values came from: the file's path, or each value's env variable or flag as written. */
export type SourceInfo = { kind: "file"; path: string } | { kind: "env"; names: Record<string, string> } | { kind: "flag"; names: Record<string, string> };

// Kept beside the settings rather than in them, so a source stays a plain mapping of settings.
const sources = new WeakMap<RawSettings, SourceInfo>();

/** Where a source's settings came from, when one of the readers below made it. */
export function sourceOf(settings: RawSettings): SourceInfo | undefined {
  return sources.get(settings);
}

function tagged(settings: RawSettings, source: SourceInfo): RawSettings {
  sources.set(settings, source);
  return settings;
}

/** A command line that cannot be read: an unknown flag, or a flag without its value. Bad usage. */
export class FlagError extends Error {}

/**
 * Reads the settings' BATON_* variables (BATON_DEFAULT_TTL=20s, BATON_STORE=redis://…); an empty
 * one counts as unset. Other BATON_* variables belong to the clients and are left alone, except
 * that one a letter or two away from a setting's name is reported through `warn` as a likely typo.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void = () => undefined): RawSettings {
  const out: RawSettings = {};
  const names: Record<string, string> = {};
  for (const s of SETTINGS) {
    const name = [s.env, ...s.aliases.env].find((n) => n !== undefined && env[n] !== undefined && env[n] !== "");
    if (name === undefined) continue;
    out[s.yaml] = env[name];
    names[s.yaml] = name;
  }
  const known = [...BY_ENV.keys(), CONFIG_FILE.env].map((n) => n.slice("BATON_".length));
  for (const name of Object.keys(env)) {
    if (!name.startsWith("BATON_") || BY_ENV.has(name) || name === CONFIG_FILE.env) continue;
    const near = closestName(name.slice("BATON_".length), known);
    if (near !== undefined) warn(`baton: ignoring ${name}, which is not a setting (did you mean BATON_${near}?)`);
  }
  return tagged(out, { kind: "env", names });
}

/**
 * Reads a YAML config file; a missing or malformed file is a clear error. A Distributex config
 * file is accepted as it is: its backend settings are dropped with a warning.
 */
export function settingsFromFile(path: string, warn: (message: string) => void = (m) => process.stderr.write(m + "\n")): RawSettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`config file ${path}: cannot be read (${(error as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new Error(`config file ${path}: not valid YAML (${(error as Error).message})`);
  }
  if (doc === null || doc === undefined) return tagged({}, { kind: "file", path });
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`config file ${path}: expected a mapping of settings`);
  return tagged({ ...dropDistributexBackend(doc as RawSettings, path, warn) }, { kind: "file", path });
}

/**
 * Reads `baton serve`'s flags: one per setting (`--default-ttl 20s`), old spellings too, and
 * `--config FILE`. A repeated flag keeps its last value. Throws FlagError, naming the closest
 * flag, for one it does not know.
 */
export function settingsFromArgs(args: string[]): { settings: RawSettings; configFile: string | undefined } {
  const flags = [...BY_FLAG.keys(), CONFIG_FILE.flag];
  for (const arg of args) {
    if (arg === "--") break;
    if (!arg.startsWith("--")) continue;
    const name = arg.slice(2).split("=")[0]!;
    if (flags.includes(name)) continue;
    // An old spelling that is close still suggests the canonical flag.
    const canonical = (n: string): string => `--${BY_FLAG.get(n)?.flag ?? n}`;
    throw new FlagError(`unknown option --${name}${didYouMean(name, flags, canonical)}; baton serve --help lists them all`);
  }
  let tokens;
  try {
    ({ tokens } = parseArgs({
      args,
      options: Object.fromEntries(flags.map((f) => [f, { type: "string" as const }])),
      strict: true,
      allowPositionals: false,
      tokens: true,
    }));
  } catch (error) {
    throw new FlagError((error as Error).message);
  }
  const settings: RawSettings = {};
  const names: Record<string, string> = {};
  let configFile: string | undefined;
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (token.name === CONFIG_FILE.flag) {
      configFile = token.value;
      continue;
    }
    const s = BY_FLAG.get(token.name)!;
    settings[s.yaml] = token.value;
    names[s.yaml] = `--${token.name}`;
  }
  return { settings: tagged(settings, { kind: "flag", names }), configFile };
}
