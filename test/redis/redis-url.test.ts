import { describe, expect, it } from "vitest";
import { parseRedisUrl } from "../../src/store/redis/connection.js";

// Parsing only: no Redis needed.
describe("a Redis store URL", () => {
  it("reads host, port, db and credentials, with the defaults for every option", () => {
    expect(parseRedisUrl("rediss://me:p%40ss@db.example:7000/3")).toEqual({
      displayUrl: "rediss://db.example:7000/3",
      redis: { host: "db.example", port: 7000, db: 3, username: "me", password: "p@ss", tls: {} },
      cluster: false,
      waiterHeartbeatTtlMs: 30_000,
      presenceTtlMs: 1_500,
      sweepIntervalMs: 20,
      commandTimeoutMs: 2_000,
    });
    expect(parseRedisUrl("redis://[::1]").redis).toMatchObject({ host: "::1", port: 6379, db: 0, tls: undefined });
  });

  it("reads its options as durations and a flag", () => {
    const options = parseRedisUrl("redis://h?heartbeatTtl=30s&sweepInterval=50ms&commandTimeout=1.5s&cluster=1");
    expect(options).toMatchObject({ waiterHeartbeatTtlMs: 30_000, sweepIntervalMs: 50, commandTimeoutMs: 1500, cluster: true });
    expect(parseRedisUrl("redis://h?cluster").cluster).toBe(true);
    expect(parseRedisUrl("redis://h?cluster=false").cluster).toBe(false);
  });

  it.each([
    ["redis://h?colour=blue", /^store: unknown option "colour"; known: cluster, heartbeatTtl, presenceTtl, sweepInterval, commandTimeout$/],
    ["redis://h?sweepIntervl=5ms", /unknown option "sweepIntervl" \(did you mean "sweepInterval"\?\)/],
    ["redis://h?commandTimeout=soon", /^store: commandTimeout: "soon" is not a duration; expected a duration ≥ 1ms/],
    ["redis://h?heartbeatTtl=0", /^store: heartbeatTtl: 0ms is too short/],
    ["redis://h?cluster=maybe", /^store: cluster: "maybe" is not true or false/],
    ["redis://h/1?cluster=1", /Redis Cluster has only database 0/],
    ["redis://h/one", /database "one" is not a number/],
    ["http://h", /"http:" is not redis: or rediss:/],
    ["redis://u:hunter2@h:99999", /"redis:\/\/\*\*\*@h:99999" is not a valid URL/],
  ])("refuses %s, saying why", (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });

  it("names every bad option at once and never shows the password", () => {
    let message = "";
    try {
      parseRedisUrl("redis://u:hunter2@h?sweepInterval=x&commandTimeout=y");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/2 problems[^]*store: sweepInterval[^]*store: commandTimeout/);
    expect(message).not.toContain("hunter2");
  });
});
