import { randomBytes } from "node:crypto";
import pg from "pg";
import { ADMIN_DSN, DSN_TEMPLATE as TEMPLATE, POSTGRES_REQUIRED as REQUIRED, postgresProblem } from "../helpers/postgres.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCompatServer, type CompatServer } from "./compat-server.js";

const problem = await postgresProblem();
if (problem !== undefined) {
  console.warn(`\n*** web-rendezvous /_postgres/ tests ${REQUIRED ? "FAILING" : "SKIPPED"}: cannot reach Postgres: ${problem}\n`);
}

describe("web-rendezvous /_postgres/DB", () => {
  it.runIf(problem !== undefined && REQUIRED)("needs a reachable Postgres (BATON_REQUIRE_POSTGRES=1)", () => {
    expect.fail(`Postgres is required but unreachable at ${ADMIN_DSN}: ${problem}`);
  });

  describe.skipIf(problem !== undefined)("against a real PostgreSQL", () => {
    let server: CompatServer;
    let admin: pg.Client;
    const database = `baton_compat_${process.pid}_${randomBytes(4).toString("hex")}`;

    beforeAll(async () => {
      server = await startCompatServer({ postgresDsn: TEMPLATE, compat: { rendezvous: { timeout: "20s" } } });
      admin = new pg.Client({ connectionString: ADMIN_DSN });
      await admin.connect();
    });
    afterAll(async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
      await admin.end();
      await server.close();
    });

    it("blocks until the database is created, then answers 200", async () => {
      const waiting = fetch(`${server.url}/rendezvous/_postgres/${database}`).then(async (r) => [r.status, await r.json()]);
      await new Promise((r) => setTimeout(r, 700));
      await admin.query(`CREATE DATABASE "${database}"`);
      expect(await waiting).toEqual([200, { ok: true }]);
      // As the original, a probe that succeeded marks its key.
      expect((await server.rendezvous.list("_postgres/", 10)).set.map((s) => s.key)).toEqual([`_postgres/${database}`]);
    });

    it("answers 404 Timeout for a database that never appears, saying why", async () => {
      await server.close();
      server = await startCompatServer({ postgresDsn: TEMPLATE, compat: { rendezvous: { timeout: "600ms" } } });
      const response = await fetch(`${server.url}/rendezvous/_postgres/${database}_missing`);
      expect([response.status, await response.text()]).toEqual([404, `{"ok":false,"error":"Timeout"}`]);
      expect(response.headers.get("x-baton-last-error")).toContain("does not exist");
      expect((await fetch(`${server.url}/rendezvous/_postgres/bad%20name`)).status).toBe(400);
    });
  });
});
