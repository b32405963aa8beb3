import { ConfigError, formatPath, issueWords } from "./issues.js";
import { BY_YAML, envName, flagName, SETTINGS, type SettingKey, type SettingNames } from "./names.js";
import { configSchema, RETIRED, type Config } from "./schema.js";
import { sourceOf, type RawSettings } from "./sources.js";
import { closestName } from "./suggest.js";

type SourceKind = "file" | "env" | "flag";

/** Where a value came from, in words: `flag --max-queue`, `env BATON_PORT`, `config file /etc/baton.yaml`. */
function originOf(settings: RawSettings, kind: SourceKind, name: string): string {
  const source = sourceOf(settings);
  if (kind === "file") return source?.kind === "file" ? `config file ${source.path}` : "config file";
  const written = source !== undefined && source.kind !== "file" ? source.names[name] : undefined;
  return kind === "env" ? `env ${written ?? envName(name)}` : `flag ${written ?? "--" + flagName(name)}`;
}

/** A known name as the source would spell it. */
function spelled(s: SettingNames, kind: SourceKind): string {
  if (kind === "env" && s.env !== undefined) return s.env;
  if (kind === "flag" && s.flag !== undefined) return `--${s.flag}`;
  return s.yaml;
}

function unknownSetting(name: string, kind: SourceKind, origin: string): string {
  if (RETIRED[name] !== undefined) return `${name} (${origin}): no longer a setting; ${RETIRED[name]}`;
  const near = closestName(name, [...BY_YAML.keys()]);
  const hint = near === undefined ? `; known: ${SETTINGS.map((s) => spelled(s, kind)).join(", ")}` : `; did you mean ${spelled(BY_YAML.get(near)!, kind)}?`;
  return `unknown setting "${name}" (${origin})${hint}`;
}

/**
 * Merges the sources (flags over env over file over defaults) and validates the result once.
 * Throws a ConfigError naming, for every problem, the setting, what it accepts and where the
 * value came from. The sources are keyed by YAML name, as settingsFromFile/Env/Args return them.
 */
export function buildConfig(file: RawSettings, env: RawSettings, flags: RawSettings): Config {
  const problems: string[] = [];
  const chosen = new Map<SettingKey, { value: unknown; origin: string }>();
  const layers: [RawSettings, SourceKind][] = [
    [file, "file"],
    [env, "env"],
    [flags, "flag"],
  ];
  for (const [settings, kind] of layers) {
    for (const [name, value] of Object.entries(settings)) {
      if (value === undefined) continue;
      const origin = originOf(settings, kind, name);
      const s = BY_YAML.get(name);
      if (s === undefined) problems.push(unknownSetting(name, kind, origin));
      else if (kind !== "file" && !s.kind.fromText) problems.push(`${s.yaml} (${origin}): only the config file can hold this setting`);
      else chosen.set(s.key, { value, origin });
    }
  }
  const input = Object.fromEntries([...chosen].map(([key, { value }]) => [key, value]));
  const result = configSchema.safeParse(input, { error: issueWords() });
  if (result.success && problems.length === 0) return result.data;
  for (const issue of result.error?.issues ?? []) {
    const [key, ...rest] = issue.path as [SettingKey, ...PropertyKey[]];
    const s = SETTINGS.find((x) => x.key === key);
    if (s === undefined) {
      problems.push(issue.message);
      continue;
    }
    const where = formatPath([s.yaml, ...rest], { [s.yaml]: input[key] });
    const related = ((issue as { params?: { related?: SettingKey[] } }).params?.related ?? [])
      .filter((k) => chosen.has(k))
      .map((k) => `; ${SETTINGS.find((x) => x.key === k)!.yaml} is from ${chosen.get(k)!.origin}`);
    problems.push(`${where} (${chosen.get(key)?.origin ?? "default"}): ${issue.message}${related.join("")}`);
  }
  throw new ConfigError(problems);
}
