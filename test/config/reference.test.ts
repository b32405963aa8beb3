import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import { buildConfig, DEFAULT_CONFIG, settingsFromArgs, settingsFromEnv, type Config } from "../../src/config.js";
import type { Pool } from "../../src/engine/pools.js";
import type { CompatOptions } from "../../src/server/compat/options.js";
import { serveUsage, settingLines } from "../../src/config/help.js";
import { SETTINGS } from "../../src/config/names.js";
import { configurationReference } from "../../src/config/reference.js";
import { settingsShape } from "../../src/config/schema.js";
import { serveCommand } from "../../src/cli/serve.js";

const docs = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
const textSettings = SETTINGS.filter((s) => s.flag !== undefined);

describe("docs/configuration.md", () => {
  it("is what the schema generates (run `npm run docs:config` after changing a setting)", () => {
    expect(docs).toBe(configurationReference());
  });

  it("has a row for every setting with its YAML key, flag, env name and default", () => {
    for (const s of SETTINGS) {
      const row = docs.split("\n").find((line) => line.startsWith(`| \`${s.yaml}\` |`));
      expect(row, s.yaml).toBeDefined();
      if (s.flag !== undefined) expect(row).toContain(`| \`--${s.flag}\` | \`${s.env}\` |`);
      expect(row).toContain(`\`${s.meta.defaultText}\``);
    }
  });
});

describe("baton serve --help", () => {
  const lines = settingLines();

  it("is generated from the schema", () => {
    expect(serveCommand.usage).toBe(serveUsage());
    expect(serveUsage()).toContain(lines.join("\n"));
  });

  it("has one line per setting that a flag can set, with its flag, env name and default", () => {
    expect(textSettings.length).toBe(Object.keys(settingsShape).length - 3); // all but pools, keys and compat
    for (const s of textSettings) {
      const mine = lines.filter((line) => line.trimStart().startsWith(`--${s.flag} `));
      expect(mine, s.yaml).toHaveLength(1);
      expect(mine[0]).toContain(` ${s.env} `);
      expect(mine[0]).toMatch(new RegExp(`\\(default ${s.meta.defaultText!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)$`));
    }
  });

  // The names in the help are the names the readers take, and a default as the help writes it
  // reads back as that default: what the help says can be typed as it says it.
  it("names flags and variables that set their setting, and defaults that read back as the default", () => {
    for (const line of lines.filter((l) => !l.includes("--config") && !l.includes("--help"))) {
      const [, flag, env, shown] = /^\s+--(\S+) \S+\s+(BATON_\S+)\s+.*\(default (.*)\)$/.exec(line)!;
      const s = textSettings.find((x) => x.flag === flag)!;
      const viaFlag = buildConfig({}, {}, settingsFromArgs([`--${flag}`, shown!]).settings);
      const viaEnv = buildConfig({}, settingsFromEnv({ [env!]: shown }), {});
      expect(viaFlag[s.key], flag).toEqual(DEFAULT_CONFIG[s.key]);
      expect(viaEnv[s.key], env).toEqual(DEFAULT_CONFIG[s.key]);
    }
  });

  it("says that the file alone holds the structured settings, and lists the old spellings", () => {
    expect(serveUsage()).toContain("config file holds pools:, keys: and compat:");
    expect(serveUsage()).toContain("Older spellings still read: --max-queue (now --max-queue-length).");
  });
});

describe("the Config type", () => {
  it("is inferred from the schema, with the structured settings' own types", () => {
    // Checked by tsc (CI type-checks the tests); a wrong type fails the build, not this run.
    expectTypeOf<Config["pools"]>().toEqualTypeOf<Pool[]>();
    expectTypeOf<Config["compat"]>().toEqualTypeOf<CompatOptions>();
    expectTypeOf<Config["defaultTtlMs"]>().toEqualTypeOf<number>();
    expectTypeOf<Config["durability"]>().toEqualTypeOf<"full" | "relaxed">();
    expectTypeOf<Config["probeAllowlist"]>().toEqualTypeOf<string[]>();
    expectTypeOf<keyof Config>().toEqualTypeOf<(typeof SETTINGS)[number]["key"]>();
  });
});
