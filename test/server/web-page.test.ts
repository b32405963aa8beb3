import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const required = process.env.BATON_REQUIRE_BROWSER === "1";
if (CHROMIUM === undefined) {
  console.warn(
    "\n*** The live-page browser test did NOT run: no Chromium found. Install Debian's `chromium` package " +
      "to run it" + (required ? "; BATON_REQUIRE_BROWSER=1 makes this a failure." : ".") + " ***\n",
  );
}

/** The page's JavaScript run in a real headless browser: what it renders from the live streams. */
describe.runIf(CHROMIUM !== undefined || required)("the live page in a real browser", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("shows holders, the queue and set keys, pushed by the Watch and Subscribe streams", async () => {
    expect(CHROMIUM, "Chromium is required (BATON_REQUIRE_BROWSER=1) but was not found").toBeDefined();
    const locks = lockClient("connect-json-h1", server.url);
    await locks.acquire({ name: "deploy/prod", owner: "ci-job-42" });
    const ctl = new AbortController();
    const waiting = (async () => {
      for await (const _ of locks.wait({ name: "deploy/prod", owner: "waiter-1" }, { signal: ctl.signal })) void _;
    })().catch(() => undefined);
    const rendezvous = createClient(RendezvousService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }));
    await rendezvous.signal({ key: "db/ready", payload: "v42", owner: "migrator" });
    const { stdout } = await promisify(execFile)(
      CHROMIUM!,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${mkdtempSync(join(tmpdir(), "baton-chromium-"))}`,
        "--virtual-time-budget=5000",
        "--dump-dom",
        `${server.url}/ui`,
      ],
      { timeout: 60_000 },
    );
    ctl.abort();
    await waiting;
    const locksTable = /<tbody id="locks">(.*?)<\/tbody>/s.exec(stdout)?.[1] ?? "";
    const signalsTable = /<tbody id="signals">(.*?)<\/tbody>/s.exec(stdout)?.[1] ?? "";
    expect(locksTable).toContain("deploy/prod");
    expect(locksTable).toContain("ci-job-42");
    expect(locksTable).toContain("1. waiter-1");
    expect(signalsTable).toContain("db/ready");
    expect(signalsTable).toContain("migrator");
    expect(signalsTable).toContain("v42");
  });
});
