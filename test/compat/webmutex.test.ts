import { afterEach, describe, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

let server: CompatServer;
afterEach(() => server?.close());

type Json = Record<string, unknown>;

async function call(path: string, init: RequestInit = {}): Promise<[number, Json]> {
  const response = await fetch(`${server.url}/webmutex${path}`, { method: "POST", ...init });
  return [response.status, (await response.json()) as Json];
}

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  return data;
}

async function reserve(): Promise<string> {
  const [status, body] = await call("/reserve");
  expect([status, body.status]).toEqual([200, "ok"]);
  return body.id as string;
}

/** The original's failure: `{"status":"fail"}` (Baton adds `error`, in WebMutex's words, never the Connect API's). */
function failed(body: Json): void {
  expect(body.status).toBe("fail");
  expect(Object.keys(body).sort()).toEqual(["error", "status"]);
  expect(body.error).not.toMatch(/wait_ms|Wait stream|ttl_ms|Connect/);
}

describe("WebMutex compatibility", () => {
  it("reserves, grabs, reports status and releases, with parameters in every shape the seed allows", async () => {
    server = await startCompatServer();
    const id = await reserve();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await fetch(`${server.url}/webmutex/status?id=${id}`).then((r) => r.json())).toMatchObject({ status: "ok", in_use: false });

    // JSON body
    const [s1, g1] = await call("/grab", { body: JSON.stringify({ id }), headers: { "content-type": "application/json" } });
    expect([s1, g1.id, g1.status]).toEqual([200, id, "ok"]);
    expect(g1.token).toMatch(/^[0-9a-f]{33,}$/);
    expect(await call(`/status/${id}`)).toEqual([200, expect.objectContaining({ status: "ok", in_use: true })]);
    // urlencoded form
    expect(await call("/release", { body: new URLSearchParams({ id, token: g1.token as string }) })).toEqual([200, { id, status: "ok" }]);
    // multipart form (curl -F)
    const [s2, g2] = await call("/grab", { body: form({ id }) });
    expect(s2).toBe(200);
    expect(await call("/release", { body: form({ id, token: g2.token as string }) })).toEqual([200, { id, status: "ok" }]);
    // query
    const [s3, g3] = await call(`/grab?id=${id}`);
    expect(s3).toBe(200);
    expect(await call(`/release?id=${id}&token=${g3.token as string}`)).toEqual([200, { id, status: "ok" }]);
    // the id as a path segment, with and without the trailing slash
    const [s4, g4] = await call(`/grab/${id}/`);
    expect(s4).toBe(200);
    expect(await call(`/release/${id}`, { body: form({ token: g4.token as string }) })).toEqual([200, { id, status: "ok" }]);
    expect(await call(`/status/${id}/`, { method: "GET" })).toEqual([200, expect.objectContaining({ in_use: false })]);
  });

  it("answers with the original's status codes and {\"status\":\"fail\"}", async () => {
    server = await startCompatServer();
    const id = await reserve();
    const unknown = "f".repeat(32);

    // grab: 400 when held (by anyone, the grabber included), unknown or missing.
    const [, grab] = await call("/grab", { body: form({ id }) });
    for (const fields of [{ id }, { id: unknown }, { id: "bad id" }, {}] as Record<string, string>[]) {
      const [status, body] = await call("/grab", { body: form(fields) });
      expect([fields, status]).toEqual([fields, 400]);
      failed(body);
    }
    const [, held] = await call("/grab", { body: form({ id }) });
    expect(held.error).toBe(`mutex ${id} is in use; grab it again later or use /subscribe_and_grab`);

    // status: 401 when unknown or missing.
    for (const query of [`?id=${unknown}`, "?id=bad%20id", ""]) {
      const response = await fetch(`${server.url}/webmutex/status${query}`);
      expect([query, response.status]).toEqual([query, 401]);
      failed((await response.json()) as Json);
    }

    // release: 400 for a wrong, malformed or missing token, and for an unknown or missing id.
    for (const fields of [{ id, token: "0".repeat(33) }, { id, token: "not-a-token" }, { id }, { id: unknown, token: grab.token as string }, { token: grab.token as string }] as Record<string, string>[]) {
      const [status, body] = await call("/release", { body: form(fields) });
      expect([fields, status]).toEqual([fields, 400]);
      failed(body);
    }
    expect((await server.engine.describe(id)).holders).toHaveLength(1);

    // Releasing twice with the same token is ok, as the original kept the last grab's token...
    expect(await call("/release", { body: form({ id, token: grab.token as string }) })).toEqual([200, { id, status: "ok" }]);
    expect(await call("/release", { body: form({ id, token: grab.token as string }) })).toEqual([200, { id, status: "ok" }]);
    // ...until another grab replaces it: then the old token fails, even once the mutex is free again.
    const [, next] = await call("/grab", { body: form({ id }) });
    expect((await call("/release", { body: form({ id, token: grab.token as string }) }))[0]).toBe(400);
    expect((await server.engine.describe(id)).holders).toHaveLength(1);
    expect((await call("/release", { body: form({ id, token: next.token as string }) }))[0]).toBe(200);
    expect((await call("/release", { body: form({ id, token: grab.token as string }) }))[0]).toBe(400);
    expect((await server.engine.describe(unknown)).reserved).toBe(false);
  });

  it("answers bad requests with a fail body and never changes state", async () => {
    server = await startCompatServer();
    const id = await reserve();
    const cases: [string, RequestInit, number][] = [
      ["/grab", { body: "{not json", headers: { "content-type": "application/json" } }, 400],
      ["/grab/%E0%A4%A", {}, 400],
      ["/grab", { body: "x".repeat(200_000) }, 413],
      [`/grab?id=${id}`, { method: "GET" }, 405],
      ["/grab", { body: form({ id, owner: "bad\u0007owner" }) }, 400],
      ["/nosuchroute", {}, 404],
    ];
    for (const [path, init, expected] of cases) {
      const [status, body] = await call(path, init);
      expect([path, status]).toEqual([path, expected]);
      failed(body);
    }
    expect((await server.engine.describe(id)).holders).toEqual([]);
  });

  it("never expires a grab by default; grabTtl or a pool sets one", async () => {
    server = await startCompatServer();
    const id = await reserve();
    const [, grab] = await call("/grab", { body: form({ id }) });
    expect(grab.expires_at_ms).toBe(0);
    expect((await server.engine.describe(id)).holders.map((h) => [h.ttlMs, h.expiresAtMs])).toEqual([[0, 0]]);
    await server.close();

    server = await startCompatServer({ compat: { webmutex: { grabTtl: "300ms" } }, pools: [{ pattern: "pooled/*", defaultTtl: "1h" }] });
    const short = await reserve();
    const [, expiring] = await call("/grab", { body: form({ id: short }) });
    expect(expiring.expires_at_ms).toBeGreaterThan(0);
    await eventually(async () => expect((await call(`/status/${short}`))[1].in_use).toBe(false), 5000);
    // The expired grab's token is the last grab's: releasing with it is ok (the mutex is free).
    expect((await call("/release", { body: form({ id: short, token: expiring.token as string }) }))[0]).toBe(200);

    // A mutex reserved through Connect under a pool's prefix follows that pool.
    const { name } = await lockClient("connect-json-h1", server.url).reserve({ prefix: "pooled/" });
    const [status] = await call("/grab", { body: JSON.stringify({ id: name }) });
    expect(status).toBe(200);
    expect((await server.engine.describe(name)).holders.map((h) => h.ttlMs)).toEqual([3_600_000]);
  });

  it("grants a mutex to exactly one of many concurrent grabbers, and fencing increases", async () => {
    server = await startCompatServer();
    const id = await reserve();
    const fencings: bigint[] = [];
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 12 }, () => call("/grab", { body: form({ id }) })));
      const winners = answers.filter(([s]) => s === 200);
      expect(winners).toHaveLength(1);
      expect(answers.filter(([s]) => s === 400)).toHaveLength(11);
      fencings.push(BigInt(winners[0]![1].fencing as string));
      expect((await call("/release", { body: form({ id, token: winners[0]![1].token as string }) }))[0]).toBe(200);
    }
    expect(fencings.every((f, i) => i === 0 || f > fencings[i - 1]!)).toBe(true);
  });

  it("shares state with the Connect API both ways", async () => {
    server = await startCompatServer();
    const client = lockClient("connect-json-h1", server.url);
    const id = await reserve();
    const [, grab] = await call("/grab", { body: form({ id, owner: "webmutex-user" }) });
    const described = await client.describe({ name: id });
    expect(described.lock!.holders.map((h) => [h.owner, h.fencing])).toEqual([["webmutex-user", BigInt(grab.fencing as string)]]);
    // The WebMutex token starts with the lease's token; Connect releases with that.
    await client.release({ name: id, token: (grab.token as string).slice(0, 32) });
    const { lease } = await client.acquire({ name: id, owner: "connect-user" });
    expect((await call("/grab", { body: form({ id }) }))[0]).toBe(400);
    expect(await call(`/status/${id}`)).toEqual([200, expect.objectContaining({ in_use: true })]);
    // A bare Connect token releases through WebMutex.
    expect((await call("/release", { body: form({ id, token: lease!.token }) }))[0]).toBe(200);
  });
});
