import type { Kind } from "./kinds.js";
import { metaOf, type SettingMeta } from "./meta.js";
import { settingsShape } from "./schema.js";

/** A top-level setting's key in Config. */
export type SettingKey = keyof typeof settingsShape;

/** How one setting is spelled in each source, and what the docs say about it. */
export interface SettingNames {
  /** The Config field: `defaultTtlMs`. */
  key: SettingKey;
  /** The YAML key, and the name errors use: `defaultTtl`. */
  yaml: string;
  /** The flag without dashes (`default-ttl`); undefined for settings only the file can hold. */
  flag: string | undefined;
  /** The env variable (`BATON_DEFAULT_TTL`); undefined for settings only the file can hold. */
  env: string | undefined;
  /** Older spellings still read. */
  aliases: { yaml: string[]; flag: string[]; env: string[] };
  kind: Kind<unknown>;
  meta: SettingMeta;
}

/** The YAML key of a Config field: a trailing `Ms` is dropped, since the file takes "20s". */
export function yamlName(key: string): string {
  return key.endsWith("Ms") ? key.slice(0, -2) : key;
}

/** `maxQueueLength` → `max-queue-length`. */
export function flagName(yaml: string): string {
  return yaml.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** `maxQueueLength` → `BATON_MAX_QUEUE_LENGTH`. */
export function envName(yaml: string): string {
  return "BATON_" + yaml.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
}

/** Every setting, in the schema's order. */
export const SETTINGS: readonly SettingNames[] = Object.entries(settingsShape).map(([key, schema]) => {
  const meta = metaOf(schema)!;
  const kind = meta.kind!;
  const yaml = yamlName(key);
  return {
    key: key as SettingKey,
    yaml,
    flag: kind.fromText ? flagName(yaml) : undefined,
    env: kind.fromText ? envName(yaml) : undefined,
    aliases: { yaml: meta.aliases?.yaml ?? [], flag: meta.aliases?.flag ?? [], env: meta.aliases?.env ?? [] },
    kind,
    meta,
  };
});

function index(names: (s: SettingNames) => (string | undefined)[]): Map<string, SettingNames> {
  const map = new Map<string, SettingNames>();
  for (const s of SETTINGS) for (const name of names(s)) if (name !== undefined) map.set(name, s);
  return map;
}

/** Settings by YAML key, old spellings included. */
export const BY_YAML = index((s) => [s.yaml, ...s.aliases.yaml]);
/** Settings by flag (without dashes), old spellings included. */
export const BY_FLAG = index((s) => [s.flag, ...s.aliases.flag]);
/** Settings by env variable, old spellings included. */
export const BY_ENV = index((s) => [s.env, ...s.aliases.env]);

/** The flag that names the config file, and its env variable: not settings, since a file cannot name itself. */
export const CONFIG_FILE = { flag: "config", env: "BATON_CONFIG" } as const;
