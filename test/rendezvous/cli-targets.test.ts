import { describe, expect, it } from "vitest";
import { parseTarget } from "../../src/cli/rendezvous/ready.js";
import { UsageError } from "../../src/cli/command.js";

describe("baton ready TARGET", () => {
  it("reads the three kinds of target", () => {
    expect(parseTarget("tcp://db.local:5432", 0)).toEqual({ case: "tcp", value: { host: "db.local", port: 5432 } });
    expect(parseTarget("tcp://[::1]:80", 0)).toEqual({ case: "tcp", value: { host: "::1", port: 80 } });
    expect(parseTarget("postgres://mydb", 0)).toEqual({ case: "postgres", value: { database: "mydb" } });
    expect(parseTarget("postgresql:///my_db", 0)).toEqual({ case: "postgres", value: { database: "my_db" } });
    expect(parseTarget("https://svc/health?x=1", 204)).toEqual({ case: "http", value: { url: "https://svc/health?x=1", expectStatus: 204 } });
  });

  it("refuses targets it cannot read, saying what it expects", () => {
    for (const bad of ["localhost:80", "tcp://host", "tcp://host:80/path", "postgres://user@host:5432/db", "postgres://", "redis://x:6379"]) {
      expect(() => parseTarget(bad, 0), bad).toThrow(UsageError);
    }
  });
});
