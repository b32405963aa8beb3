import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfig, DEFAULT_CONFIG, FlagError, settingsFromArgs, settingsFromEnv, settingsFromFile } from "../../src/config.js";

const dir = mkdtempSync(join(tmpdir(), "baton-config-sources-"));
const yaml = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const flags = (...args: string[]) => settingsFromArgs(args).settings;

describe("each source alone", () => {
  it("reads every kind of value from the YAML file, with YAML's own types", () => {
    const file = settingsFromFile(
      yaml("all.yaml", "port: 1234\nhost: 0.0.0.0\ndefaultTtl: 20s\nsessionTtl: 2500\nprobeAllowlist: [10.0.0.0/8, '*.svc']\ndurability: relaxed\nstore: memory\n"),
    );
    const config = buildConfig(file, {}, {});
    expect(config).toMatchObject({ port: 1234, host: "0.0.0.0", defaultTtlMs: 20_000, durability: "relaxed", store: "memory" });
    expect(config.sessionTtlMs).toBe(2500); // a bare number in the file is milliseconds, as it always was
    expect(config.probeAllowlist).toEqual(["10.0.0.0/8", "*.svc"]);
  });

  it("reads the same settings from BATON_* variables, as text", () => {
    const env = settingsFromEnv({ BATON_PORT: "1234", BATON_DEFAULT_TTL: "1.5s", BATON_PROBE_ALLOWLIST: "a.svc, b.svc", BATON_DURABILITY: "relaxed", PATH: "/bin" });
    expect(env).toEqual({ port: "1234", defaultTtl: "1.5s", probeAllowlist: "a.svc, b.svc", durability: "relaxed" });
    expect(buildConfig({}, env, {})).toMatchObject({ port: 1234, defaultTtlMs: 1500, probeAllowlist: ["a.svc", "b.svc"] });
  });

  it("reads the same settings from flags, in both --flag value and --flag=value forms", () => {
    const config = buildConfig({}, {}, flags("--port", "1234", "--default-ttl=5m", "--max-queue-length", "7", "--probe-allowlist", "*"));
    expect(config).toMatchObject({ port: 1234, defaultTtlMs: 300_000, maxQueueLength: 7, probeAllowlist: ["*"] });
  });

  it("names the config file with --config, which is not itself a setting", () => {
    expect(settingsFromArgs(["--config", "/etc/baton.yaml", "--port", "1"])).toEqual({ settings: { port: "1" }, configFile: "/etc/baton.yaml" });
    expect(settingsFromArgs([]).configFile).toBeUndefined();
  });

  it("takes an empty variable as unset", () => {
    expect(settingsFromEnv({ BATON_PORT: "" })).toEqual({});
  });

  it("reads an empty YAML file, and empty pools: and compat:, as nothing said", () => {
    expect(buildConfig(settingsFromFile(yaml("empty.yaml", "")), {}, {})).toEqual(DEFAULT_CONFIG);
    expect(buildConfig(settingsFromFile(yaml("nulls.yaml", "pools:\ncompat:\n")), {}, {})).toEqual(DEFAULT_CONFIG);
  });
});

describe("precedence", () => {
  const file = () => settingsFromFile(yaml("p.yaml", "maxQueueLength: 1\nmaxLimit: 1\nmaxWait: 1s\n"));
  const env = settingsFromEnv({ BATON_MAX_QUEUE_LENGTH: "2", BATON_MAX_LIMIT: "2" });

  it("takes flags over env, env over the file, and the file over the defaults", () => {
    const config = buildConfig(file(), env, flags("--max-queue-length", "3"));
    expect(config.maxQueueLength).toBe(3); // flag, over env and file
    expect(config.maxLimit).toBe(2); // env, over the file
    expect(config.maxWaitMs).toBe(1000); // the file, over the default
    expect(config.maxTtlMs).toBe(DEFAULT_CONFIG.maxTtlMs); // nobody: the default
  });

  it("keeps the old --max-queue flag working, as the same setting; the last flag given wins", () => {
    expect(buildConfig({}, {}, flags("--max-queue", "5")).maxQueueLength).toBe(5);
    expect(buildConfig({}, {}, flags("--max-queue", "5", "--max-queue-length", "6")).maxQueueLength).toBe(6);
    expect(buildConfig({}, {}, flags("--max-queue-length", "6", "--max-queue", "5")).maxQueueLength).toBe(5);
  });

  it("validates the merged result once, so a bad value that a higher source replaces does no harm", () => {
    const bad = settingsFromFile(yaml("bad-but-replaced.yaml", "port: lots\n"));
    expect(buildConfig(bad, {}, flags("--port", "9")).port).toBe(9);
  });

  it("checks rules between settings across sources", () => {
    expect(() => buildConfig(settingsFromFile(yaml("ttl.yaml", "maxTtl: 10s\n")), {}, {})).toThrow(
      /defaultTtl \(default\): 30s must lie between minTtl \(100ms\) and maxTtl \(10s\); maxTtl is from config file .*ttl\.yaml/,
    );
    expect(buildConfig(settingsFromFile(yaml("ttl2.yaml", "maxTtl: 10s\n")), {}, flags("--default-ttl", "5s")).defaultTtlMs).toBe(5000);
  });
});

describe("the durable store's settings", () => {
  it("keep the store 'durable' at the defaults, and spell dataDir and durability into it otherwise", () => {
    expect(DEFAULT_CONFIG.store).toBe("durable");
    const config = buildConfig({}, {}, flags("--data-dir", "/tmp/x y", "--durability", "relaxed"));
    expect(config.store).toBe(`durable:${encodeURI(resolve("/tmp/x y"))}?durability=relaxed`);
    expect(buildConfig({}, {}, flags("--store", "memory", "--data-dir", "/tmp/x")).store).toBe("memory");
  });
});

describe("typos in the environment", () => {
  it("warn about a variable a letter away from a setting, and leave the clients' variables alone", () => {
    const warnings: string[] = [];
    settingsFromEnv({ BATON_PORTS: "1", BATON_DEFAULT_TT: "2s", BATON_URL: "http://x", BATON_LOCK: "a", BATON_TOKEN: "t", BATON_CONFIG: "/f" }, (m) => warnings.push(m));
    expect(warnings).toEqual([
      "baton: ignoring BATON_PORTS, which is not a setting (did you mean BATON_PORT?)",
      "baton: ignoring BATON_DEFAULT_TT, which is not a setting (did you mean BATON_DEFAULT_TTL?)",
    ]);
  });
});

describe("flags that cannot be read", () => {
  it.each([
    [["--prot", "1"], /unknown option --prot \(did you mean --port\?\)/],
    [["--max-queu", "1"], /unknown option --max-queu \(did you mean --max-queue-length\?\)/],
    [["--default_ttl=1s"], /unknown option --default_ttl \(did you mean --default-ttl\?\)/],
    [["--colour", "red"], /^unknown option --colour; baton serve --help lists them all$/],
    [["--port"], /--port/],
    [["serve-me"], /positional/i],
  ])("refuse %j as bad usage", (args, message) => {
    expect(() => settingsFromArgs(args)).toThrow(FlagError);
    expect(() => settingsFromArgs(args)).toThrow(message);
  });
});
