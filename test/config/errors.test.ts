import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfig, ConfigError, settingsFromArgs, settingsFromEnv, settingsFromFile } from "../../src/config.js";
import { serveCommand } from "../../src/cli/serve.js";
import { UsageError } from "../../src/cli/command.js";

const dir = mkdtempSync(join(tmpdir(), "baton-config-errors-"));
let files = 0;

/** The error buildConfig throws for one setting's text value, given through `source`. */
function refusal(source: "file" | "env" | "flag", yamlKey: string, flag: string, env: string, value: string): string {
  try {
    if (source === "file") {
      const path = join(dir, `c${files++}.yaml`);
      writeFileSync(path, `${yamlKey}: ${JSON.stringify(value)}\n`);
      buildConfig(settingsFromFile(path), {}, {});
    } else if (source === "env") {
      buildConfig({}, settingsFromEnv({ [env]: value }), {});
    } else {
      buildConfig({}, {}, settingsFromArgs([`--${flag}`, value]).settings);
    }
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${yamlKey}=${value} from ${source} was accepted`);
}

// One bad value of every kind; each must name the setting, the problem and what it accepts.
const BAD: [kind: string, yamlKey: string, flag: string, env: string, value: string, problem: string][] = [
  ["duration", "defaultTtl", "default-ttl", "BATON_DEFAULT_TTL", "soon", `"soon" is not a duration; expected a duration such as 500ms, 20s, 5m or 1h`],
  ["duration without a unit", "sessionTtl", "session-ttl", "BATON_SESSION_TTL", "10", "10 has no unit (write 10ms, or 10s if you meant seconds); expected a duration such as"],
  ["duration below its minimum", "rendezvousHeartbeat", "rendezvous-heartbeat", "BATON_RENDEZVOUS_HEARTBEAT", "5ms", "5ms is too short; expected a duration ≥ 10ms, such as"],
  ["duration that may be 0 = off", "waitHeartbeat", "wait-heartbeat", "BATON_WAIT_HEARTBEAT", "3ms", "3ms is too short; expected 0 (off) or a duration ≥ 10ms"],
  ["whole number", "maxQueueLength", "max-queue-length", "BATON_MAX_QUEUE_LENGTH", "lots", `"lots" is not a whole number; expected a whole number ≥ 1`],
  ["whole number below its minimum", "readMaxBytes", "read-max-bytes", "BATON_READ_MAX_BYTES", "100", "100 is too small; expected a whole number ≥ 1024"],
  ["port", "port", "port", "BATON_PORT", "65536", "65536 is too large; expected a whole number from 0 to 65535"],
  ["choice", "durability", "durability", "BATON_DURABILITY", "fsync", `unknown value "fsync"; expected full or relaxed`],
  ["choice, misspelt", "durability", "durability", "BATON_DURABILITY", "relax", `unknown value "relax" (did you mean "relaxed"?)`],
  ["non-empty text", "dataDir", "data-dir", "BATON_DATA_DIR", "  ", "it is empty; expected non-empty text"],
  ["list entry", "probeAllowlist", "probe-allowlist", "BATON_PROBE_ALLOWLIST", "ok.svc,10.0.0.0/40", `"10.0.0.0/40" is not a valid CIDR range`],
  ["store", "store", "store", "BATON_STORE", "mysql://db", `"mysql://db" is neither durable, memory nor a redis:// URL`],
  ["Redis URL option", "store", "store", "BATON_STORE", "redis://127.0.0.1:6379?sweepInterval=0ms", "sweepInterval: 0ms is too short; expected a duration ≥ 1ms"],
  ["durable spec", "store", "store", "BATON_STORE", "durable:/tmp/x?durability=eventually", `durability: unknown value "eventually"; expected full or relaxed`],
];

describe("a bad value", () => {
  for (const [kind, yamlKey, flag, env, value, problem] of BAD) {
    it(`of kind "${kind}" names the setting, the problem, what it accepts and its source`, () => {
      expect(refusal("file", yamlKey, flag, env, value)).toContain(`${yamlKey} (config file ${dir}/`);
      expect(refusal("env", yamlKey, flag, env, value)).toContain(`${yamlKey} (env ${env}): ${problem}`);
      expect(refusal("flag", yamlKey, flag, env, value)).toContain(`${yamlKey} (flag --${flag}): ${problem}`);
      expect(refusal("file", yamlKey, flag, env, value)).toContain(problem);
    });
  }

  it("given by an old flag spelling is reported under the spelling that was typed", () => {
    expect(() => buildConfig({}, {}, settingsFromArgs(["--max-queue", "0"]).settings)).toThrow("maxQueueLength (flag --max-queue): 0 is too small");
  });

  it("in a YAML value of the wrong type says what it got", () => {
    const path = join(dir, "types.yaml");
    writeFileSync(path, "port: [1]\nprobeAllowlist: {a: 1}\nhost: {}\n");
    expect(() => buildConfig(settingsFromFile(path), {}, {})).toThrow(/3 problems[^]*host \(config file [^)]*\): \{\} is not text[^]*port \(config file [^)]*\): \[1\] is not a whole number[^]*probeAllowlist[^]*\{"a":1\} is not a list/);
  });

  it("left empty in the file (`port:` alone) is refused, not read as 0", () => {
    const path = join(dir, "empty-value.yaml");
    writeFileSync(path, "port:\n");
    expect(() => buildConfig(settingsFromFile(path), {}, {})).toThrow(/port \(config file [^)]*\): an empty value is not a whole number/);
  });

  it("never echoes a password in the store URL", () => {
    const message = refusal("env", "store", "store", "BATON_STORE", "redis://u:hunter2@db:6379/x");
    expect(message).toContain('store (env BATON_STORE): database "x" is not a number');
    expect(() => buildConfig({}, {}, { store: "mysql://u:hunter2@db/x" })).toThrow(/"mysql:\/\/\*\*\*@db\/x" is neither/);
    expect(() => buildConfig({}, {}, { store: "mysql://u:hunter2@db/x" })).not.toThrow(/hunter2/);
  });

  it("in a structured setting names its path in the file", () => {
    const path = join(dir, "nested.yaml");
    writeFileSync(path, "pools:\n  - name: nightly\n    maxlocks: none\ncompat:\n  webmutex:\n    webhook:\n      attempts: 0\n");
    const error = (() => {
      try {
        buildConfig(settingsFromFile(path), {}, {});
      } catch (e) {
        return (e as ConfigError).problems;
      }
    })();
    expect(error).toEqual([
      `pools[0] (nightly).maxlocks (config file ${path}): "none" is not a whole number; expected a whole number ≥ 1`,
      `compat.webmutex.webhook.attempts (config file ${path}): 0 is too small; expected a whole number ≥ 1`,
    ]);
  });
});

describe("an unknown setting", () => {
  const fromFile = (text: string): string => {
    const path = join(dir, `u${files++}.yaml`);
    writeFileSync(path, text);
    try {
      buildConfig(settingsFromFile(path), {}, {});
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("accepted");
  };

  it("is refused with the closest known name, spelled for its source", () => {
    expect(fromFile("prot: 1\n")).toMatch(/^unknown setting "prot" \(config file .*\); did you mean port\?$/);
    expect(fromFile("default_ttl: 1s\n")).toMatch(/unknown setting "default_ttl" .*; did you mean defaultTtl\?/);
    expect(fromFile("maxQueue: 1\n")).toMatch(/did you mean maxQueueLength\?/);
    expect(() => buildConfig({}, { prot: "1" }, {})).toThrow(/unknown setting "prot" \(env BATON_PROT\); did you mean BATON_PORT\?/);
    expect(() => buildConfig({}, {}, { prot: "1" })).toThrow(/unknown setting "prot" \(flag --prot\); did you mean --port\?/);
  });

  it("far from every known one lists them all", () => {
    expect(fromFile("colour: red\n")).toMatch(/unknown setting "colour" \(config file .*\); known: host, port, readMaxBytes, .*, pools, keys, compat$/);
  });

  it("that was retired says what replaced it", () => {
    expect(fromFile("sessionIdle: 30s\n")).toMatch(/sessionIdle \(config file .*\): no longer a setting; sessionTtl replaced sessionGrace and sessionIdle/);
  });

  it("structured settings come from the file only", () => {
    expect(() => buildConfig({}, { pools: "a" }, {})).toThrow("pools (env BATON_POOLS): only the config file can hold this setting");
  });
});

describe("baton serve", () => {
  it("refuses an unknown flag as bad usage, and a bad value before it listens", async () => {
    await expect(serveCommand.run(["--prot", "7070"])).rejects.toThrow(UsageError);
    await expect(serveCommand.run(["--prot", "7070"])).rejects.toThrow("did you mean --port?");
    await expect(serveCommand.run(["--port", "0", "--max-wait", "forever"])).rejects.toThrow(ConfigError);
    await expect(serveCommand.run(["--port", "0", "--max-wait", "forever"])).rejects.toThrow('maxWait (flag --max-wait): "forever" is not a duration');
  });
});
