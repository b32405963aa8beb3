import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { keyedClients, testKey } from "./keyed.js";

// With keys, /metrics on the main port needs the read scope, and refused callers are counted.

const reader = testKey("scraper", ["read"], { locks: ["ops/"] });

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ keys: [reader.spec], metrics: true });
});
afterAll(() => server.close());

function failures(text: string, reason: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`baton_auth_failures_total{reason="${reason}"}`));
  return Number(line?.split(" ").at(-1) ?? NaN);
}

describe("metrics with API keys", () => {
  it("serves /metrics to a key only, and counts refused callers by reason", async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const scrape = async () => (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${reader.key}` } })).text();
    const before = await scrape();
    await keyedClients("connect-json-h1", server.url, undefined).lock.describe({ name: "ops/x" }).catch(() => undefined);
    await keyedClients("grpc-h2", server.url, "baton_wrong").lock.describe({ name: "ops/x" }).catch(() => undefined);
    await keyedClients("connect-binary-h2", server.url, reader.key).lock.describe({ name: "prod/x" }).catch(() => undefined);
    const after = await scrape();
    expect(failures(after, "missing_credentials")).toBeGreaterThan(failures(before, "missing_credentials"));
    expect(failures(after, "bad_credentials")).toBe(failures(before, "bad_credentials") + 1);
    expect(failures(after, "permission_denied")).toBe(failures(before, "permission_denied") + 1);
    expect(after).not.toContain(reader.key);
  });
});
