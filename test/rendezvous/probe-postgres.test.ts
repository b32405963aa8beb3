import { randomBytes } from "node:crypto";
import pg from "pg";
import { ADMIN_DSN, DSN_TEMPLATE as TEMPLATE, POSTGRES_REQUIRED as REQUIRED, postgresProblem } from "../helpers/postgres.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { rendezvousClient } from "./rendezvous-client.js";

const problem = await postgresProblem();
if (problem !== undefined) {
  const how = REQUIRED ? "FAILING (BATON_REQUIRE_POSTGRES=1)" : "SKIPPED";
  console.warn(
    `\n*** Postgres readiness tests ${how}: cannot reach ${ADMIN_DSN.replace(/:[^:@/]*@/, ":***@")}: ${problem}\n` +
      "*** Run PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres, or set BATON_TEST_POSTGRES_URL.\n",
  );
}

describe("WaitReady with a Postgres probe", () => {
  it.runIf(problem !== undefined && REQUIRED)("needs a reachable Postgres (BATON_REQUIRE_POSTGRES=1)", () => {
    expect.fail(`Postgres is required but unreachable at ${ADMIN_DSN}: ${problem}`);
  });

  describe.skipIf(problem !== undefined)("against a real PostgreSQL", () => {
    let server: TestServer;
    let admin: pg.Client;
    const database = `baton_probe_${process.pid}_${randomBytes(4).toString("hex")}`;

    beforeAll(async () => {
      server = await startServer({ postgresDsn: TEMPLATE });
      admin = new pg.Client({ connectionString: ADMIN_DSN });
      await admin.connect();
    });
    afterAll(async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
      await admin.end();
      await server.close();
    });

    it("waits for a database that is created while the wait is in flight", async () => {
      const client = rendezvousClient(server.url);
      const failures: string[] = [];
      let ready: string | undefined;
      const stream = client.waitReady({ probe: { case: "postgres", value: { database } }, intervalMs: 100n, waitMs: 30_000n });
      for await (const m of stream) {
        if (m.event.case === "failed") {
          failures.push(m.event.value.error);
          // Created only after the server has seen it missing twice.
          if (m.event.value.attempt === 2) await admin.query(`CREATE DATABASE "${database}"`);
        } else if (m.event.case === "ready") {
          ready = m.event.value.detail;
        }
      }
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect(failures[0]).toContain(`database "${database}" does not exist`);
      expect(ready).toContain(database);
    });
  });
});
