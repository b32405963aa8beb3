import { randomBytes } from "node:crypto";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_DSN, DSN_TEMPLATE, POSTGRES_REQUIRED, postgresProblem } from "../helpers/postgres.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

/**
 * web-rendezvous's own Go tests (main_test.go), replayed request by request against Baton with
 * the bodies compared byte for byte, as the Go tests compare them. The Go tests reset the state
 * and set `timeout = 1.0` before each; here each test gets a fresh server with a 1 s timeout.
 * Where the Go tests name a database or a port that only exists on their CI machine
 * (`my_db`, memcached's 11211), this test uses one that exists here (the tests' admin database, a
 * port it listens on) and puts its name in the expected body.
 */

const problem = await postgresProblem();
if (problem !== undefined) console.warn(`\n*** TestPostgresIntegration ${POSTGRES_REQUIRED ? "FAILING" : "SKIPPED"}: cannot reach Postgres: ${problem}\n`);

let server: CompatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** One request as httptest.NewRecorder saw it: status and exact body. */
async function request(method: string, path: string): Promise<[number, string]> {
  const response = await fetch(`${server!.url}/rendezvous${path}`, { method });
  expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  return [response.status, await response.text()];
}

const start = (timeout = "1s"): Promise<CompatServer> => startCompatServer({ compat: { rendezvous: { timeout } }, postgresDsn: DSN_TEMPLATE });

describe("web-rendezvous main_test.go, byte for byte", () => {
  it("TestLockAndWait", async () => {
    server = await start();
    expect(await request("GET", "/")).toEqual([200, `{"ok":true,"waiting_and_failed":[],"marked":[]}`]);
    expect(await request("GET", "/abc")).toEqual([404, `{"ok":false,"error":"Timeout"}`]);
    expect(await request("GET", "/")).toEqual([200, `{"ok":true,"waiting_and_failed":["/abc"],"marked":[]}`]);
    expect(await request("POST", "/abc")).toEqual([200, `{"ok":true}`]);
    expect(await request("GET", "/")).toEqual([200, `{"ok":true,"waiting_and_failed":[],"marked":["/abc"]}`]);
  });

  it("TestInvalidRequestReservedUrl", async () => {
    server = await start();
    expect(await request("POST", "/_abc")).toEqual([404, `{"ok":false,"error":"Keys starting with '_' are reserved"}`]);
  });

  it("TestServerListeningIntegration", async () => {
    server = await start();
    // Stands in for the memcached the Go test expects on localhost:11211.
    const listening = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
    const port = (listening.address() as AddressInfo).port;
    try {
      expect(await request("GET", `/_port/localhost/${port}`)).toEqual([200, `{"ok":true}`]);
      expect(await request("GET", "/")).toEqual([200, `{"ok":true,"waiting_and_failed":[],"marked":["/_port/localhost/${port}"]}`]);
      expect(await request("GET", "/_port/localhost/1")).toEqual([404, `{"ok":false,"error":"Timeout"}`]);
      expect(await request("GET", "/")).toEqual([
        200,
        `{"ok":true,"waiting_and_failed":["/_port/localhost/1"],"marked":["/_port/localhost/${port}"]}`,
      ]);
    } finally {
      listening.close();
    }
  });

  it.runIf(problem !== undefined && POSTGRES_REQUIRED)("TestPostgresIntegration needs a reachable Postgres (BATON_REQUIRE_POSTGRES=1)", () => {
    expect.fail(`Postgres is required but unreachable at ${ADMIN_DSN}: ${problem}`);
  });

  it.skipIf(problem !== undefined)("TestPostgresIntegration", async () => {
    // A database that exists (the one the tests administer from) and one that cannot.
    const myDb = decodeURIComponent(new URL(ADMIN_DSN).pathname.slice(1)) || "postgres";
    const noSuchDb = `no_such_db_${process.pid}_${randomBytes(4).toString("hex")}`;
    // 3 s rather than the Go test's 1 s: a connection to a busy Postgres can take longer than 1 s.
    server = await start("3s");
    expect(await request("GET", `/_postgres/${myDb}`)).toEqual([200, `{"ok":true}`]);
    expect(await request("GET", "/")).toEqual([200, `{"ok":true,"waiting_and_failed":[],"marked":["/_postgres/${myDb}"]}`]);
    expect(await request("GET", `/_postgres/${noSuchDb}`)).toEqual([404, `{"ok":false,"error":"Timeout"}`]);
    expect(await request("GET", "/")).toEqual([
      200,
      `{"ok":true,"waiting_and_failed":["/_postgres/${noSuchDb}"],"marked":["/_postgres/${myDb}"]}`,
    ]);
  });
});
