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
    });

    it("answers 404 Timeout for a database that never appears, saying why", async () => {
      await server.close();
      server = await startCompatServer({ postgresDsn: TEMPLATE, compat: { rendezvous: { timeout: "600ms" } } });
      const response = await fetch(`${server.url}/rendezvous/_postgres/${database}_missing`);
      const body = (await response.json()) as Record<string, string>;
      expect([response.status, body.error]).toEqual([404, "Timeout"]);
      expect(body.detail).toContain("does not exist");
      expect((await fetch(`${server.url}/rendezvous/_postgres/bad%20name`)).status).toBe(400);
    });
  });
});
