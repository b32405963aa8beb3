import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDurableSpec, isDurableSpec, parseDurableSpec } from "../../src/store/durable/spec.js";

describe("the durable store's spec", () => {
  it("reads the default, a dir, and a durability; and formats what it reads", () => {
    expect(parseDurableSpec("durable")).toEqual({ dataDir: resolve("./baton-data"), durability: "full" });
    expect(parseDurableSpec("durable:/srv/baton")).toEqual({ dataDir: "/srv/baton", durability: "full" });
    const spec = formatDurableSpec("/srv/my data?", "relaxed");
    expect(isDurableSpec(spec)).toBe(true);
    expect(parseDurableSpec(spec)).toEqual({ dataDir: "/srv/my data?", durability: "relaxed" });
  });

  it.each([
    ["durable:", /store: no data dir after "durable:"/],
    ["durable:/x?durability=fast", /^store: durability: unknown value "fast"; expected full or relaxed$/],
    ["durable:/x?sync=1", /^store: unknown option "sync"; known: durability$/],
    ["durable:/x%E0%A4%A", /not a valid encoded path/],
  ])("refuses %s, saying why", (spec, message) => {
    expect(() => parseDurableSpec(spec)).toThrow(message);
  });
});
