import * as http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

let server: CompatServer;
afterEach(() => server?.close());

/** Like `curl -X METHOD -d BODY`: curl labels a -d body as urlencoded even when it is JSON. Returns the exact body. */
async function curl(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<[number, string]> {
  const init: RequestInit = { method, headers: { "content-type": "application/x-www-form-urlencoded", ...headers } };
  if (body !== undefined) init.body = body;
  const response = await fetch(`${server.url}/locker${path}`, init);
  return [response.status, await response.text()];
}

const NO_LOCK = `{"error":"No lock specified in request body"}`;

describe("Locker compatibility", () => {
  it("replays the seed's curl calls, with the original's bodies", async () => {
    server = await startCompatServer();
    expect(await curl("PUT", "/lock/prod-deployments", '{"lock":"prod-cloudfoundry"}')).toEqual([
      200,
      `{"response":"lock for prod-deployments acquired by prod-cloudfoundry"}`,
    ]);
    expect(await curl("GET", "/locks")).toEqual([200, `{"prod-deployments":"prod-cloudfoundry"}`]);
    const steal = `{"error":"Attempt to steal lock for prod-deployments by other-pipeline thwarted. Currently held by someone else"}`;
    expect(await curl("PUT", "/lock/prod-deployments", '{"lock":"other-pipeline"}')).toEqual([423, steal]);
    // The same value locking again is refused too: a second run of the same job must not "hold" it.
    expect(await curl("PUT", "/lock/prod-deployments", '{"lock":"prod-cloudfoundry"}')).toEqual([
      423,
      `{"error":"Attempt to steal lock for prod-deployments by prod-cloudfoundry thwarted. Currently held by someone else"}`,
    ]);
    expect(await curl("DELETE", "/lock/prod-deployments", '{"lock":"other-pipeline"}')).toEqual([
      423,
      `{"error":"Attempt to unlock prod-deployments by other-pipeline thwarted. Currently held by someone else"}`,
    ]);
    expect(await curl("DELETE", "/lock/prod-deployments", '{"lock":"prod-cloudfoundry"}')).toEqual([200, `{"response":"Lock released on prod-deployments"}`]);
    // A released pool stays listed with an empty owner, as in the original's file.
    expect(await curl("GET", "/locks")).toEqual([200, `{"prod-deployments":""}`]);
    // Unlocking a free pool is 200, whoever asks; so is unlocking a pool never seen, which is listed from then on.
    expect((await curl("DELETE", "/lock/prod-deployments", '{"lock":"anyone"}'))[0]).toBe(200);
    expect((await curl("DELETE", "/lock/never-seen", '{"lock":"anyone"}'))[0]).toBe(200);
    expect(await curl("GET", "/locks")).toEqual([200, `{"never-seen":"","prod-deployments":""}`]);
    // And a listed free pool locks like any other.
    expect((await curl("PUT", "/lock/prod-deployments", '{"lock":"a"}'))[0]).toBe(200);
    expect(await curl("GET", "/locks")).toEqual([200, `{"never-seen":"","prod-deployments":"a"}`]);
  });

  it("sends the 423 with its reason phrase, as the resource's retry loop greps for it", async () => {
    server = await startCompatServer();
    await curl("PUT", "/lock/p", '{"lock":"a"}');
    const url = new URL(`${server.url}/locker/lock/p`);
    const reason = await new Promise<string | undefined>((resolve, reject) => {
      const req = http.request(url, { method: "PUT" }, (res) => {
        res.resume();
        resolve(res.statusMessage);
      });
      req.on("error", reject);
      req.end('{"lock":"b"}');
    });
    expect(reason).toBe("Locked");
  });

  it("never expires a lock by default; compat.locker.ttl or a pool sets a lifetime", async () => {
    server = await startCompatServer();
    await curl("PUT", "/lock/forever", '{"lock":"a"}');
    expect((await server.engine.describe("forever")).holders.map((h) => [h.ttlMs, h.expiresAtMs])).toEqual([[0, 0]]);
    await server.close();

    server = await startCompatServer({ pools: [{ pattern: "deploy/*", defaultTtl: "1h" }], compat: { locker: { ttl: "2h" } } });
    await curl("PUT", "/lock/deploy%2Fprod", '{"lock":"a"}');
    await curl("PUT", "/lock/other", '{"lock":"a"}');
    expect((await server.engine.describe("deploy/prod")).holders[0]?.ttlMs).toBe(3_600_000);
    expect((await server.engine.describe("other")).holders[0]?.ttlMs).toBe(2 * 3_600_000);
  });

  it("counts the later Locker's key body per requestor, and refuses other keys with 423", async () => {
    server = await startCompatServer();
    const put = (body: Record<string, string>) => curl("PUT", "/lock/db", JSON.stringify(body));
    const del = (body: Record<string, string>) => curl("DELETE", "/lock/db", JSON.stringify(body));
    expect((await put({ key: "shared", requestor: "node-a" }))[0]).toBe(200);
    expect((await put({ key: "shared", requestor: "node-b" }))[0]).toBe(200);
    expect((await put({ key: "shared", lock_by: "node-b" }))[0]).toBe(200);
    expect((await put({ key: "exclusive", requestor: "node-e" }))[0]).toBe(423);
    expect(await curl("GET", "/locks")).toEqual([200, `{"db":"shared"}`]);
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

  it("grants a pool to exactly one of many concurrent lockers, the same value included", async () => {
    server = await startCompatServer();
    for (const [pool, owner] of [["race", (i: number) => `job-${i}`], ["same-job", () => "job"]] as const) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => curl("PUT", `/lock/${pool}`, JSON.stringify({ lock: owner(i) }))));
      expect([pool, results.filter(([s]) => s === 200).length, results.filter(([s]) => s === 423).length]).toEqual([pool, 1, 19]);
      expect((await server.engine.describe(pool)).holders).toHaveLength(1);
    }
    const puts = await Promise.all(Array.from({ length: 20 }, (_, i) => curl("PUT", "/lock/counted", JSON.stringify({ key: "k", requestor: `r${i}` }))));
    expect(puts.every(([s]) => s === 200)).toBe(true);
    const dels = await Promise.all(Array.from({ length: 19 }, (_, i) => curl("DELETE", "/lock/counted", JSON.stringify({ key: "k", requestor: `r${i + 1}` }))));
    expect(dels.every(([s]) => s === 200)).toBe(true);
    expect((await server.engine.describe("counted")).holders.map((h) => h.owner)).toEqual(["k"]);
    await curl("DELETE", "/lock/counted", JSON.stringify({ key: "k", requestor: "r0" }));
    expect((await server.engine.describe("counted")).holders).toEqual([]);
  });

  it("answers a missing or malformed body with the original's 400, and never changes state", async () => {
    server = await startCompatServer();
    for (const body of [undefined, "", "{", "[]", '"x"', "{}", '{"lock":""}', '{"lock":42}', '{"key":["a"]}']) {
      expect([body, ...(await curl("PUT", "/lock/p", body))]).toEqual([body, 400, NO_LOCK]);
    }
    // Go's decoder matched field names case-insensitively.
    expect((await curl("PUT", "/lock/p", '{"LOCK":"a"}'))[0]).toBe(200);
    expect((await curl("DELETE", "/lock/p", '{"Lock":"a"}'))[0]).toBe(200);
    const [status, body] = await curl("PUT", "/lock/p", '{"lock":"bad\\u0007owner"}');
    expect([status, JSON.parse(body)]).toEqual([400, { error: '"lock" must be printable text of at most 256 bytes' }]);
    expect((await curl("PUT", "/lock/bad%20pool", '{"lock":"a"}'))[0]).toBe(400);
    expect((await curl("PUT", "/lock/%E0%A4%A", '{"lock":"a"}'))[0]).toBe(400);
    // Methods and paths the original's router did not know: gin's 404.
    expect(await curl("POST", "/lock/p", '{"lock":"a"}')).toEqual([404, "404 page not found"]);
    expect(await curl("PUT", "/locks")).toEqual([404, "404 page not found"]);
    expect(await curl("GET", "/nothing")).toEqual([404, "404 page not found"]);
    expect(await curl("GET", "/locks")).toEqual([200, `{"p":""}`]);
  });

  it("requires HTTP Basic auth when configured, answering 401 as gin did", async () => {
    server = await startCompatServer({ compat: { locker: { auth: { user: "ci", password: "s3cret" } } } });
    const good = { authorization: "Basic " + Buffer.from("ci:s3cret").toString("base64") };
    const bad = { authorization: "Basic " + Buffer.from("ci:wrong").toString("base64") };
    const response = await fetch(`${server.url}/locker/locks`);
    expect([response.status, response.headers.get("www-authenticate"), await response.text()]).toEqual([401, 'Basic realm="Authorization Required"', ""]);
    expect((await curl("PUT", "/lock/p", '{"lock":"a"}', bad))[0]).toBe(401);
    expect((await server.engine.describe("p")).holders).toEqual([]);
    expect((await curl("PUT", "/lock/p", '{"lock":"a"}', good))[0]).toBe(200);
    expect(await curl("GET", "/locks", undefined, good)).toEqual([200, `{"p":"a"}`]);
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
    expect(await curl("GET", "/locks")).toEqual([200, `{"shared":"connect-user"}`]);
    expect((await curl("PUT", "/lock/shared", '{"lock":"locker-user"}'))[0]).toBe(423);
    await client.release({ name: "shared", token: lease!.token });
    expect((await curl("PUT", "/lock/shared", '{"lock":"locker-user"}'))[0]).toBe(200);
  });
});
