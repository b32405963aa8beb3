import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildConfig, settingsFromFile } from "../../src/config.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { Code, ConnectError } from "@connectrpc/connect";

/** The whole app from a real config file: pools apply to every API, compat layers and the page are served. */
describe("app wiring from a config file", () => {
  let server: TestServer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-app-"));
    const path = join(dir, "baton.yaml");
    writeFileSync(
      path,
      [
        "pools:",
        "  - name: pool1",
        "    expire: 300",
        "    maxlocks: 2",
        '    servers: "web1, web2"',
        "  - pattern: gpu/*",
        "    limit: 3",
        "compat:",
        "  root: distributex",
      ].join("\n"),
    );
    const config = buildConfig(settingsFromFile(path), {}, {});
    server = await startServer({ pools: config.pools, compat: config.compat });
  });
  afterAll(async () => {
    await server.close();
  });

  it("serves Distributex with the configured pool, at its prefix and at the root", async () => {
    const get = (path: string) => fetch(`${server.url}${path}`).then((r) => r.text());
    expect(await get("/distributex/get/?host=web1&pool=pool1")).toBe("YES");
    expect(await get("/get/?host=web2&pool=pool1")).toBe("YES");
    expect(await get("/get?host=web3&pool=pool1")).toBe("INVALID");
    expect(await get("/distributex/get/?host=web1&pool=nope")).toBe("INVALID");
  });

  it("applies a pool's limit and TTL to Connect requests too", async () => {
    const client = lockClient("connect-json-h1", server.url);
    const info = await client.describe({ name: "pool1" });
    expect(info.lock?.limit).toBe(2);
    expect(info.lock?.holders.map((h) => h.owner).sort()).toEqual(["web1", "web2"]);
    const refused = await client.acquire({ name: "pool1", waitMs: 0n }).catch((e: unknown) => e);
    expect((refused as ConnectError).code).toBe(Code.Aborted);
    const { lease } = await client.acquire({ name: "gpu/a" });
    expect(lease?.ttlMs).toBe(30_000n);
    const wrongLimit = await client.acquire({ name: "gpu/a", limit: 5 }).catch((e: unknown) => e);
    expect((wrongLimit as ConnectError).rawMessage).toContain('pool "gpu/*" whose limit is 3');
  });

  it("serves the live page at /ui and sends a browser at / there", async () => {
    const page = await fetch(`${server.url}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    // The frame loads the bundled script and stylesheet (test/server/web-page.test.ts runs them).
    expect(html).toContain('src="/ui/app.js"');
    expect(html).toContain('href="/ui/app.css"');
    const root = await fetch(`${server.url}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/ui");
  });
});
