import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildConfig, DEFAULT_CONFIG, settingsFromEnv, settingsFromFile } from "../src/config.js";
import { formatDuration, parseDuration } from "../src/duration.js";

const dir = mkdtempSync(join(tmpdir(), "baton-config-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("config", () => {
  it("uses the defaults when nothing is said", () => {
    expect(buildConfig({}, {}, {})).toEqual(DEFAULT_CONFIG);
    // The defaults the README and the docs have always promised.
    expect(DEFAULT_CONFIG).toMatchObject({
      host: "127.0.0.1",
      port: 7070,
      store: "durable",
      dataDir: "./baton-data",
      durability: "full",
      defaultTtlMs: 30_000,
      minTtlMs: 100,
      maxTtlMs: 24 * 3_600_000,
      maxWaitMs: 24 * 3_600_000,
      maxLimit: 100_000,
      maxQueueLength: 10_000,
      readMaxBytes: 262_144,
      maxStreamsPerConnection: 1_000_000,
      shutdownGraceMs: 5_000,
      waitHeartbeatMs: 15_000,
      sessionTtlMs: 10_000,
      pools: [],
    });
  });

  it("lets flags win over env, and env over the file", () => {
    const fromFile = settingsFromFile(file("a.yaml", "port: 1000\ndefaultTtl: 10s\nmaxQueueLength: 5\n"));
    const fromEnv = settingsFromEnv({ BATON_PORT: "2000", BATON_DEFAULT_TTL: "20s" });
    const config = buildConfig(fromFile, fromEnv, { port: "3000" });
    expect(config.port).toBe(3000);
    expect(config.defaultTtlMs).toBe(20_000);
    expect(config.maxQueueLength).toBe(5);
  });

  it("reads durations as 500ms, 20s, 5m, 1h or plain milliseconds", () => {
    expect(parseDuration("500ms", "x")).toBe(500);
    expect(parseDuration("20s", "x")).toBe(20_000);
    expect(parseDuration("5m", "x")).toBe(300_000);
    expect(parseDuration("1h", "x")).toBe(3_600_000);
    expect(parseDuration("1.5s", "x")).toBe(1500);
    expect(parseDuration(250, "x")).toBe(250);
    expect(() => parseDuration("soon", "ttl")).toThrow(/ttl: "soon" is not a duration/);
    expect(formatDuration(90_000)).toBe("1.5m");
  });

  it.each([
    ["an unknown setting", "prot: 7070\n", /unknown setting "prot" \(config file .*bad\.yaml\); did you mean port\?/],
    ["a bad duration", "defaultTtl: forever\n", /defaultTtl \(config file .*bad\.yaml\): "forever" is not a duration; expected a duration such as 500ms/],
    ["a bad port", "port: 70000\n", /port \(config file .*\): 70000 is too large; expected a whole number from 0 to 65535/],
    ["min above max", "minTtl: 2h\nmaxTtl: 1h\n", /minTtl \(config file .*\): 2h is above maxTtl \(1h\); maxTtl is from config file/],
    ["a default outside the range", "defaultTtl: 10ms\n", /defaultTtl \(config file .*\): 10ms must lie between minTtl \(100ms\) and maxTtl \(24h\)/],
    ["a bad store", "store: mysql://x\n", /store \(config file .*\): "mysql:\/\/x" is neither durable, memory nor a redis:\/\/ URL/],
    ["a list instead of a mapping", "- a\n- b\n", /expected a mapping/],
    ["broken YAML", "port: [1,\n", /not valid YAML/],
  ])("refuses %s with a clear error", (_label, text, message) => {
    expect(() => buildConfig(settingsFromFile(file("bad.yaml", text)), {}, {})).toThrow(message);
  });

  it("says so when the file cannot be read", () => {
    expect(() => settingsFromFile(join(dir, "missing.yaml"))).toThrow(/cannot be read/);
  });
});
