import { describe, expect, it } from "vitest";
import { DEFAULT_PROBE_ALLOWLIST, HostAllowlist } from "../../src/engine/probes/allowlist.js";

describe("HostAllowlist", () => {
  it("allows only loopback by default, matching names as written", () => {
    const list = new HostAllowlist(DEFAULT_PROBE_ALLOWLIST);
    for (const host of ["127.0.0.1", "::1", "[::1]", "localhost", "LOCALHOST", "localhost.", "::ffff:127.0.0.1"]) {
      expect(list.denial(host), host).toBeUndefined();
    }
    for (const host of ["127.0.0.2", "10.0.0.1", "localtest.me", "2130706433", "127.1", "sub.localhost", "example.com"]) {
      expect(list.denial(host), host).toContain("not on this server's probe allowlist");
    }
  });

  it("matches CIDR ranges for IP literals and wildcards for subdomains only", () => {
    const list = new HostAllowlist(["10.0.0.0/8", "fd00::/8", "*.internal", "db.example.com"]);
    expect(list.denial("10.200.1.1")).toBeUndefined();
    expect(list.denial("fd12::1")).toBeUndefined();
    expect(list.denial("a.b.internal")).toBeUndefined();
    expect(list.denial("db.example.com")).toBeUndefined();
    expect(list.denial("11.0.0.1")).toBeDefined();
    expect(list.denial("internal")).toBeDefined();
    expect(list.denial("evilinternal")).toBeDefined();
    expect(list.denial("example.com")).toBeDefined();
  });

  it("allows any host with *", () => {
    expect(new HostAllowlist(["*"]).denial("anything.example")).toBeUndefined();
  });

  it("refuses malformed entries when the server starts", () => {
    for (const entry of ["10.0.0.0/33", "bad host", "1.2.3.4/x", "*."]) {
      expect(() => new HostAllowlist([entry]), entry).toThrow(/probe allowlist/);
    }
  });
});
