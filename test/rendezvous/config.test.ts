import { describe, expect, it } from "vitest";
import { buildConfig, DEFAULT_CONFIG, settingsFromEnv } from "../../src/config.js";

describe("rendezvous settings", () => {
  it("default to loopback-only probes, a local Postgres template and a 5 s heartbeat", () => {
    expect(DEFAULT_CONFIG.probeAllowlist).toEqual(["127.0.0.1", "::1", "localhost"]);
    expect(DEFAULT_CONFIG.postgresDsn).toBe("postgres://postgres@127.0.0.1:5432/{db}");
    expect(DEFAULT_CONFIG.rendezvousHeartbeatMs).toBe(5000);
  });

  it("read the allowlist as a YAML list or comma-separated text, flags over env over file", () => {
    const fromFile = buildConfig({ probeAllowlist: ["10.0.0.0/8", "*.svc"], rendezvousHeartbeat: "2s" }, {}, {});
    expect(fromFile.probeAllowlist).toEqual(["10.0.0.0/8", "*.svc"]);
    expect(fromFile.rendezvousHeartbeatMs).toBe(2000);
    const env = settingsFromEnv({ BATON_PROBE_ALLOWLIST: "db.internal, 127.0.0.1", BATON_POSTGRES_DSN: "postgres://u:pw@db:5432/{db}?sslmode=disable" });
    const fromEnv = buildConfig({ probeAllowlist: ["x"] }, env, {});
    expect(fromEnv.probeAllowlist).toEqual(["db.internal", "127.0.0.1"]);
    expect(fromEnv.postgresDsn).toBe("postgres://u:pw@db:5432/{db}?sslmode=disable");
    expect(buildConfig({}, env, { probeAllowlist: "*" }).probeAllowlist).toEqual(["*"]);
  });

  it("refuse a bad allowlist entry, a DSN without {db} (hiding its password) and a tiny heartbeat at start", () => {
    expect(() => buildConfig({}, {}, { probeAllowlist: "10.0.0.0/40" })).toThrow(/probeAllowlist \(flag --probe-allowlist\): "10.0.0.0\/40" is not a valid CIDR range/);
    expect(() => buildConfig({}, {}, { postgresDsn: "postgres://u:secret@db:5432/app" })).toThrow(/no \{db\} placeholder/);
    expect(() => buildConfig({}, {}, { postgresDsn: "postgres://u:secret@db:5432/app" })).not.toThrow(/secret/);
    expect(() => buildConfig({}, {}, { postgresDsn: "mysql://db/{db}" })).toThrow(/must start with postgres:\/\//);
    expect(() => buildConfig({}, {}, { rendezvousHeartbeat: "1ms" })).toThrow(/rendezvousHeartbeat \(flag --rendezvous-heartbeat\): 1ms is too short; expected a duration ≥ 10ms/);
  });

  it("accept web-rendezvous's {{.}} placeholder", () => {
    expect(buildConfig({}, {}, { postgresDsn: "postgres://postgres:pgpass@postgres:5432/{{.}}?sslmode=disable" }).postgresDsn).toContain("{{.}}");
  });
});
