import { CONFIG_FILE, SETTINGS } from "./names.js";

/** One line of `serve --help` per setting: its flag, its env variable, what it is for and its default. */
export function settingLines(): string[] {
  const rows = SETTINGS.filter((s) => s.flag !== undefined).map((s) => [
    `--${s.flag} ${s.kind.placeholder}`,
    s.env!,
    `${s.meta.doc} (default ${s.meta.defaultText})`,
  ]);
  rows.push([`--${CONFIG_FILE.flag} FILE`, CONFIG_FILE.env, "YAML file of settings (defaultTtl: 20s, ...)"]);
  rows.push(["-h, --help", "", "this help"]);
  // Columns fit the usual names; a longer one pushes only its own line.
  const flagWidth = Math.min(26, Math.max(...rows.map((r) => r[0]!.length)));
  const envWidth = Math.min(26, Math.max(...rows.map((r) => r[1]!.length)));
  return rows.map(([flag, env, doc]) => `  ${flag!.padEnd(flagWidth)}  ${env!.padEnd(envWidth)}  ${doc}`);
}

/** Older spellings that are still read, as "--max-queue (now --max-queue-length)". */
function oldSpellings(): string[] {
  return SETTINGS.flatMap((s) => [
    ...s.aliases.flag.map((a) => `--${a} (now --${s.flag})`),
    ...s.aliases.env.map((a) => `${a} (now ${s.env})`),
    ...s.aliases.yaml.map((a) => `${a}: (now ${s.yaml}:)`),
  ]);
}

/** `baton serve --help`, generated from the schema. */
export function serveUsage(): string {
  const old = oldSpellings();
  const fileOnly = SETTINGS.filter((s) => s.flag === undefined).map((s) => `${s.yaml}:`);
  return [
    "Usage: baton serve [options]",
    "",
    "Runs the Baton server on one port (Connect, gRPC, gRPC-Web; HTTP/1.1 and h2c).",
    "",
    "Options (a flag wins over its BATON_* variable, which wins over the config file):",
    ...settingLines(),
    "",
    `Durations read as 500ms, 20s, 5m, 1h (a bare number is milliseconds); lists as a,b,c. Only the`,
    `config file holds ${fileOnly.slice(0, -1).join(", ")}${fileOnly.length > 1 ? " and " : ""}${fileOnly.at(-1)}; docs/configuration.md describes every setting. SIGTERM`,
    `or SIGINT shuts down gracefully: open streams end with "unavailable", held leases are released,`,
    "and the process exits 0.",
    ...(old.length > 0 ? ["", `Older spellings still read: ${old.join(", ")}.`] : []),
  ].join("\n");
}
