import { describe, expect, it } from "vitest";
import { parsePools, poolFor } from "../../src/engine/pools.js";
import { resolveRequest } from "../../src/engine/policy.js";
import { DEFAULT_CONFIG } from "../../src/config.js";

describe("pools", () => {
  const pools = parsePools([
    { name: "pool1", expire: 300, maxlocks: 2, servers: ["web1", "web2"] },
    { name: "forever", expire: 0 },
    { name: "plain" },
    { pattern: "ci/*", limit: 3, defaultTtl: "10m", maxTtl: "1h", maxQueueLength: 5 },
    { pattern: "ci/gpu/*", limit: 1 },
  ]);
  const options = { ...DEFAULT_CONFIG, pools };
  const req = (name: string, extra: Record<string, unknown> = {}) => resolveRequest({ name, owner: "o", waitUpToMs: 0, ...extra }, options);

  it("reads Distributex pools: expire in seconds, 0 = never, 30 minutes by default", () => {
    expect(poolFor(pools, "pool1")).toMatchObject({ limit: 2, defaultTtlMs: 300_000, maxTtlMs: 300_000, hosts: ["web1", "web2"] });
    expect(poolFor(pools, "forever")).toMatchObject({ defaultTtlMs: 0, allowNoExpiry: true });
    expect(poolFor(pools, "plain")).toMatchObject({ defaultTtlMs: 1_800_000 });
  });

  it("reads Distributex's comma-separated servers, and no pools from an empty list", () => {
    expect(parsePools([{ name: "p", servers: "web1, web2" }])[0]).toMatchObject({ hosts: ["web1", "web2"] });
    expect(parsePools(null)).toEqual([]);
    expect(parsePools(undefined)).toEqual([]);
  });

  it("picks an exact name first, then the longest prefix", () => {
    expect(poolFor(pools, "ci/gpu/a")?.pattern).toBe("ci/gpu/*");
    expect(poolFor(pools, "ci/build")?.pattern).toBe("ci/*");
    expect(poolFor(pools, "other")).toBeUndefined();
  });

  it("applies a pool's limit, TTLs and queue length to requests of any API", () => {
    expect(req("ci/build")).toMatchObject({ limit: 3, ttlMs: 600_000, maxQueueLength: 5 });
    expect(req("forever")).toMatchObject({ ttlMs: 0 });
    expect(req("other")).toMatchObject({ limit: undefined, ttlMs: DEFAULT_CONFIG.defaultTtlMs });
    expect(() => req("ci/build", { limit: 4 })).toThrow(/pool "ci\/\*" whose limit is 3/);
    expect(() => req("ci/build", { ttlMs: 2 * 3_600_000 })).toThrow(/ttl_ms must be between 100 and 3600000/);
    expect(() => req("other", { ttlMs: 0 })).toThrow(/never expire/);
  });

  it.each([
    [[{ name: "bad name" }], /pools\[0\] \(bad name\)\.name: "bad name" must be a lock name/],
    [[{ name: "p", expire: -1 }], /pools\[0\] \(p\)\.expire: -1 is too small; expected whole seconds/],
    [[{ name: "p", expire: "soon" }], /expire: "soon" is not a whole number/],
    [[{ name: "p", maxlocks: 0 }], /pools\[0\] \(p\)\.maxlocks: 0 is too small; expected a whole number ≥ 1/],
    [[{ name: "p", colour: "red" }], /pools\[0\] \(p\): unknown setting "colour"; known: pattern, name,/],
    [[{ name: "p", maxlock: 2 }], /unknown setting "maxlock" \(did you mean "maxlocks"\?\)/],
    [[{ name: "p", pattern: "p" }], /pools\[0\] \(p\)\.name: give pattern or name, not both/],
    [[{ limit: 2 }], /pools\[0\]: a pool needs a name \(or pattern\)/],
    [[{ pattern: "a/*", defaultTtl: "forever" }], /pools\[0\] \(a\/\*\)\.defaultTtl: "forever" is not a duration/],
    [[{ name: "p", allowNoExpiry: "perhaps" }], /allowNoExpiry: "perhaps" is not true or false/],
    [[{ name: "ok" }, "text"], /pools\[1\]: expected a mapping \(got "text"\)/],
    [{ name: "p" }, /pools: expected a list \(got a mapping\)/],
  ])("refuses a bad pool with a clear error", (raw, message) => {
    expect(() => parsePools(raw)).toThrow(message);
  });
});
