import { afterEach, describe, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

let server: CompatServer;
afterEach(() => server?.close());

type Json = Record<string, unknown>;

/** Like `curl -X METHOD -d BODY`: curl labels a -d body as urlencoded even when it is JSON. */
async function curl(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<[number, Json]> {
  const init: RequestInit = { method, headers: { "content-type": "application/x-www-form-urlencoded", ...headers } };
  if (body !== undefined) init.body = body;
  const response = await fetch(`${server.url}/locker${path}`, init);
  return [response.status, (await response.json()) as Json];
}

describe("Locker compatibility", () => {
  it("replays the seed's curl calls", async () => {
    server = await startCompatServer();
    expect(await curl("PUT", "/lock/prod-deployments", '{"lock":"prod-cloudfoundry"}')).toEqual([
      200,
      { response: "lock for prod-deployments acquired by prod-cloudfoundry" },
    ]);
    expect(await curl("GET", "/locks")).toEqual([200, { "prod-deployments": "prod-cloudfoundry" }]);
    const [status, refused] = await curl("PUT", "/lock/prod-deployments", '{"lock":"other-pipeline"}');
    expect(status).toBe(423);
    expect(refused.error).toMatch(/locked by prod-cloudfoundry/);
    expect((await curl("DELETE", "/lock/prod-deployments", '{"lock":"other-pipeline"}'))[0]).toBe(423);
    expect(await curl("DELETE", "/lock/prod-deployments", '{"lock":"prod-cloudfoundry"}')).toEqual([
      200,
      { response: "Lock released on prod-deployments" },
    ]);
    expect(await curl("GET", "/locks")).toEqual([200, {}]);
    // Unlocking a free lock is 200, whoever asks.
    expect((await curl("DELETE", "/lock/prod-deployments", '{"lock":"anyone"}'))[0]).toBe(200);
    // Locking again with the owner that holds it is 200 and takes no second permit.
    await curl("PUT", "/lock/prod-deployments", '{"lock":"a"}');
    expect((await curl("PUT", "/lock/prod-deployments", '{"lock":"a"}'))[0]).toBe(200);
    expect((await curl("DELETE", "/lock/prod-deployments", '{"lock":"a"}'))[0]).toBe(200);
    expect((await server.engine.describe("prod-deployments")).holders).toEqual([]);
  });

  it("counts the later Locker's key body per requestor, and refuses other keys with 423", async () => {
    server = await startCompatServer();
    const put = (body: Json) => curl("PUT", "/lock/db", JSON.stringify(body));
    const del = (body: Json) => curl("DELETE", "/lock/db", JSON.stringify(body));
    expect((await put({ key: "shared", requestor: "node-a" }))[0]).toBe(200);
    expect((await put({ key: "shared", requestor: "node-b" }))[0]).toBe(200);
    expect((await put({ key: "shared", lock_by: "node-b" }))[0]).toBe(200);
    expect((await put({ key: "exclusive", requestor: "node-e" }))[0]).toBe(423);
    expect(await curl("GET", "/locks")).toEqual([200, { db: "shared" }]);
    expect((await del({ key: "exclusive" }))[0]).toBe(423);

    expect((await del({ key: "shared", requestor: "node-a" }))[0]).toBe(200);
    expect((await del({ key: "shared", requestor: "node-b" }))[0]).toBe(200);
    // node-b locked twice, so the key still holds the pool.
    expect((await put({ key: "exclusive" }))[0]).toBe(423);
    expect((await del({ key: "shared", locked_by: "node-b" }))[0]).toBe(200);
    expect((await put({ key: "exclusive" }))[0]).toBe(200);
    // Without a requestor, the key is its own requestor.
    expect((await del({ key: "exclusive" }))[0]).toBe(200);
    expect((await server.engine.describe("db")).holders).toEqual([]);
  });

  it("grants a pool to exactly one of many concurrent owners, and keeps counts exact under concurrent key locks", async () => {
    server = await startCompatServer();
    const owners = Array.from({ length: 20 }, (_, i) => `job-${i}`);
    const results = await Promise.all(owners.map((o) => curl("PUT", "/lock/race", JSON.stringify({ lock: o }))));
    expect(results.filter(([s]) => s === 200)).toHaveLength(1);
    expect(results.filter(([s]) => s === 423)).toHaveLength(19);

    const puts = await Promise.all(owners.map((o) => curl("PUT", "/lock/counted", JSON.stringify({ key: "k", requestor: o }))));
    expect(puts.every(([s]) => s === 200)).toBe(true);
    const dels = await Promise.all(owners.slice(1).map((o) => curl("DELETE", "/lock/counted", JSON.stringify({ key: "k", requestor: o }))));
    expect(dels.every(([s]) => s === 200)).toBe(true);
    expect(await curl("GET", "/locks")).toEqual([200, { race: expect.any(String), counted: "k" }]);
    await curl("DELETE", "/lock/counted", JSON.stringify({ key: "k", requestor: "job-0" }));
    expect((await server.engine.describe("counted")).holders).toEqual([]);
  });

  it("answers 400 with a JSON error for a missing or malformed body, and never changes state", async () => {
    server = await startCompatServer();
    for (const body of [undefined, "", "{", "[]", '"x"', "{}", '{"lock":""}', '{"lock":42}', '{"key":["a"]}', '{"lock":"bad\\u0007owner"}']) {
      const [status, json] = await curl("PUT", "/lock/p", body);
      expect([body, status, typeof json.error]).toEqual([body, 400, "string"]);
    }
    expect((await curl("PUT", "/lock/bad%20pool", '{"lock":"a"}'))[0]).toBe(400);
    expect((await curl("PUT", "/lock/%E0%A4%A", '{"lock":"a"}'))[0]).toBe(400);
    expect((await curl("POST", "/lock/p", '{"lock":"a"}'))[0]).toBe(405);
    expect((await curl("PUT", "/locks"))[0]).toBe(405);
    expect(await curl("GET", "/locks")).toEqual([200, {}]);
  });

  it("requires HTTP Basic auth when configured", async () => {
    server = await startCompatServer({ compat: { locker: { auth: { user: "ci", password: "s3cret" } } } });
    const good = { authorization: "Basic " + Buffer.from("ci:s3cret").toString("base64") };
    const bad = { authorization: "Basic " + Buffer.from("ci:wrong").toString("base64") };
    const response = await fetch(`${server.url}/locker/locks`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect(await response.json()).toEqual({ error: "Please Authenticate" });
    expect((await curl("PUT", "/lock/p", '{"lock":"a"}', bad))[0]).toBe(401);
    expect((await server.engine.describe("p")).holders).toEqual([]);
    expect((await curl("PUT", "/lock/p", '{"lock":"a"}', good))[0]).toBe(200);
    expect(await curl("GET", "/locks", undefined, good)).toEqual([200, { p: "a" }]);
  });

  it("never expires a lock in a pool with expire: 0, and otherwise uses the configured Locker TTL", async () => {
    server = await startCompatServer({ pools: [{ pattern: "deploy/*", expire: 0 }], compat: { locker: { ttl: "2h" } } });
    await curl("PUT", "/lock/deploy%2Fprod", '{"lock":"a"}');
    await curl("PUT", "/lock/other", '{"lock":"a"}');
    expect((await server.engine.describe("deploy/prod")).holders[0]?.expiresAtMs).toBe(0);
    expect((await server.engine.describe("other")).holders[0]?.ttlMs).toBe(2 * 3_600_000);
  });

  it("shares state with the Connect API both ways", async () => {
    server = await startCompatServer();
    const client = lockClient("connect-json-h1", server.url);
    await curl("PUT", "/lock/shared", '{"lock":"locker-user"}');
    const described = await client.describe({ name: "shared" });
    expect(described.lock!.holders.map((h) => h.owner)).toEqual(["locker-user"]);
    await expect(client.acquire({ name: "shared", owner: "connect-user", waitMs: 0n })).rejects.toThrow(/held by locker-user/);
    await curl("DELETE", "/lock/shared", '{"lock":"locker-user"}');

    const { lease } = await client.acquire({ name: "shared", owner: "connect-user" });
    expect(await curl("GET", "/locks")).toEqual([200, { shared: "connect-user" }]);
    expect((await curl("PUT", "/lock/shared", '{"lock":"locker-user"}'))[0]).toBe(423);
    await client.release({ name: "shared", token: lease!.token });
    expect((await curl("PUT", "/lock/shared", '{"lock":"locker-user"}'))[0]).toBe(200);
  });
});
