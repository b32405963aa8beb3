import type { z } from "zod";
import { poolFields } from "../engine/pools.js";
import { compatFields } from "../server/compat/options.js";
import { durableSpecOptionFields } from "../store/durable/spec.js";
import { redisUrlOptionFields } from "../store/redis/redis-url.js";
import { buildConfig } from "./build.js";
import { metaOf, type SettingMeta } from "./meta.js";
import { CONFIG_FILE, SETTINGS } from "./names.js";
import { GROUPS, RETIRED } from "./schema.js";
import { settingsFromEnv } from "./sources.js";

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (text: string): string => (text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``);

function meaning(meta: SettingMeta): string {
  return cell(`${meta.doc}${meta.more ? `. ${meta.more}` : ""}`);
}

function accepts(meta: SettingMeta): string {
  return meta.kind === undefined ? "a mapping" : cell(meta.kind.accepts);
}

function defaultOf(meta: SettingMeta): string {
  return meta.defaultText === undefined ? "unset" : code(meta.defaultText);
}

/** Rows of a structured setting's fields, nested sections by their dotted path. */
function fieldRows(fields: Record<string, z.ZodType>, prefix: string): string[] {
  return Object.entries(fields).flatMap(([name, schema]) => {
    const meta = metaOf(schema);
    if (meta === undefined) return [];
    const path = prefix + name;
    if (meta.fields !== undefined) return [`| ${code(path)} | ${meaning(meta)} | a mapping | |`, ...fieldRows(meta.fields, path + ".")];
    return [`| ${code(path)} | ${meaning(meta)} | ${accepts(meta)} | ${defaultOf(meta)} |`];
  });
}

function fieldTable(fields: Record<string, z.ZodType>, prefix: string, head: string): string[] {
  return [`| ${head} | meaning | accepts | default |`, "|---|---|---|---|", ...fieldRows(fields, prefix)];
}

/** The error a bad value gets, as the server prints it: the docs show real output. */
function exampleError(env: Record<string, string>): string {
  try {
    buildConfig({}, settingsFromEnv(env), {});
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`configuration reference: ${JSON.stringify(env)} should be refused`);
}

function settingsTables(): string[] {
  return GROUPS.flatMap((group) => {
    const rows = SETTINGS.filter((s) => s.meta.group === group).map((s) => {
      const flag = s.flag === undefined ? "" : code(`--${s.flag}`);
      const env = s.env === undefined ? "" : code(s.env);
      return `| ${code(s.yaml)} | ${flag} | ${env} | ${meaning(s.meta)} | ${accepts(s.meta)} | ${defaultOf(s.meta)} |`;
    });
    return ["", `### ${group}`, "", "| YAML key | flag | env | meaning | accepts | default |", "|---|---|---|---|---|---|", ...rows];
  });
}

function oldSpellings(): string[] {
  const rows = SETTINGS.flatMap((s) => [
    ...s.aliases.flag.map((a) => `| ${code(`--${a}`)} | ${code(`--${s.flag}`)} |`),
    ...s.aliases.env.map((a) => `| ${code(a)} | ${code(s.env!)} |`),
    ...s.aliases.yaml.map((a) => `| ${code(a)} | ${code(s.yaml)} |`),
  ]);
  const retired = Object.entries(RETIRED).map(([name, instead]) => `- ${code(name)} is refused: ${instead}.`);
  return ["| still read | the canonical spelling |", "|---|---|", ...rows, "", "No longer settings:", "", ...retired];
}

/** docs/configuration.md, generated from the schema by `npm run docs:config`. */
export function configurationReference(): string {
  return [
    "# Configuration",
    "",
    "<!-- Generated from src/config/schema.ts by `npm run docs:config`: edit the schema, then run it.",
    "     A test fails when this file and the schema disagree. -->",
    "",
    "`baton serve` takes each setting from the first of these that sets it:",
    "",
    "1. a flag: `--max-queue-length 500`;",
    "2. an environment variable: `BATON_MAX_QUEUE_LENGTH=500`;",
    `3. the YAML file named by \`--${CONFIG_FILE.flag} FILE\` (or \`${CONFIG_FILE.env}=FILE\`): \`maxQueueLength: 500\`;`,
    "4. its default.",
    "",
    "Every setting has all three spellings except `pools` and `compat`, which only the file can hold.",
    "Durations read as `500ms`, `20s`, `5m` or `1h`. In a flag, an env value or a Redis URL option a",
    "duration needs its unit (`--session-ttl 30` is refused: 30 ms or 30 s?), except `0`; a YAML number",
    "is milliseconds (`defaultTtl: 20000` is 20 s). A list is a YAML list in the file, or comma-separated text (`a,b,c`) anywhere.",
    "",
    "The settings are checked together, once, at start. A bad value stops the server with a message",
    "naming the setting, what it accepts and where the value came from:",
    "",
    "```",
    exampleError({ BATON_DEFAULT_TTL: "forever" }),
    exampleError({ BATON_DEFAULT_TTL: "1h", BATON_MAX_TTL: "30m" }),
    "```",
    "",
    "An unknown setting is refused with the closest known name (`unknown setting \"prot\" (config file",
    "baton.yaml); did you mean port?`), and so is an unknown flag. Other `BATON_*` variables belong to",
    "the CLI's client commands (`BATON_URL`, …) and are left alone, but one a letter or two away from a",
    "setting's name is reported on stderr as a likely typo.",
    "",
    "## Settings",
    ...settingsTables(),
    "",
    "### Older spellings",
    "",
    ...oldSpellings(),
    "",
    "## `store` URL options",
    "",
    "A Redis store URL is `redis[s]://[user:password@]host[:port][/db][?option=value&…]`; its options:",
    "",
    ...fieldTable(redisUrlOptionFields, "", "option"),
    "",
    "`baton serve` writes the durable store's setting as `durable:DIR?durability=MODE` when",
    "`dataDir` or `durability` differ from their defaults; that spec takes:",
    "",
    ...fieldTable(durableSpecOptionFields, "", "option"),
    "",
    "## `pools` (config file only)",
    "",
    "A list of per-name policies that govern every API (Connect, gRPC and the compatibility layers",
    "alike). A pool matches one exact name, or every name under a prefix ending in `*`; an exact name",
    "wins, then the longest prefix. Baton's spelling and Distributex's both work:",
    "",
    "```yaml",
    "pools:",
    "  - pattern: gpu/*          # every lock under gpu/",
    "    limit: 3                # a semaphore of 3; a request asking for another limit is refused",
    "    defaultTtl: 10m",
    "    maxTtl: 1h",
    "    maxQueueLength: 50",
    "  - name: nightly           # Distributex: name, expire (seconds), maxlocks, servers",
    "    expire: 0               # 0 = leases never expire (only where a pool says so)",
    "```",
    "",
    ...fieldTable(poolFields, "", "field"),
    "",
    "## `compat` (config file only)",
    "",
    "The HTTP APIs of the four systems Baton replaces; docs/compatibility.md explains each layer.",
    "",
    ...fieldTable(compatFields, "compat.", "setting"),
    "",
  ].join("\n");
}
