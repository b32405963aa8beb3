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
  expect(status).toBe(200);
  expect(body.status).toBe("ok");
  return body.id as string;
}

describe("WebMutex compatibility", () => {
  it("reserves, grabs, reports status and releases, with parameters in every shape the seed allows", async () => {
    server = await startCompatServer();
    const id = await reserve();
    expect(await call("/status", { method: "GET" })).toEqual([400, { status: "error", error: 'the "id" parameter is required' }]);
    expect(await fetch(`${server.url}/webmutex/status?id=${id}`).then((r) => r.json())).toMatchObject({ id, status: "ok", in_use: false });

    // JSON body
    const [s1, g1] = await call("/grab", { body: JSON.stringify({ id }), headers: { "content-type": "application/json" } });
    expect(s1).toBe(200);
    expect(g1).toMatchObject({ id, status: "ok" });
    expect(g1.token).toMatch(/^[0-9a-f]{32}$/);
    expect(await call(`/status/${id}`)).toEqual([200, expect.objectContaining({ in_use: true })]);
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

  it("refuses a grab while held with a non-2xx JSON error naming the holder, so `curl -f` fails", async () => {
    server = await startCompatServer();
    const id = await reserve();
    const [, first] = await call("/grab", { body: form({ id, owner: "ci-job-1" }) });
    const [status, body] = await call("/grab", { body: form({ id }) });
    expect(status).toBe(423);
    expect(body).toMatchObject({ status: "error" });
    expect(body.error).toMatch(/held by ci-job-1/);
    expect(await call("/release", { body: form({ id, token: first.token as string }) })).toEqual([200, { id, status: "ok" }]);
  });

  it("rejects wrong tokens, releases of a free mutex, unknown ids and bad requests", async () => {
    server = await startCompatServer();
    const id = await reserve();
    const [, grab] = await call("/grab", { body: form({ id }) });
    const wrong = "0".repeat(32);
    const [s1, b1] = await call("/release", { body: form({ id, token: wrong }) });
    expect([s1, b1.status]).toEqual([409, "error"]);
    expect(b1.error).toMatch(/holds no permit/);
    expect((await call("/release", { body: form({ id, token: "not-a-token" }) }))[0]).toBe(400);
    expect((await server.engine.describe(id)).holders).toHaveLength(1);
    expect((await call("/release", { body: form({ id, token: grab.token as string }) }))[0]).toBe(200);
    expect((await call("/release", { body: form({ id, token: grab.token as string }) }))[0]).toBe(409);

    const unknown = "f".repeat(32);
    for (const path of ["/grab", "/status", "/release"]) {
      const [status, body] = await call(path, { body: form({ id: unknown, token: wrong }) });
      expect([path, status, body.status]).toEqual([path, 404, "error"]);
    }
    expect((await server.engine.describe(unknown)).reserved).toBe(false);
    const [s2, b2] = await call("/grab", { body: form({}) });
    expect([s2, b2.error]).toEqual([400, 'the "id" parameter is required']);
    expect((await call("/grab", { body: "{not json", headers: { "content-type": "application/json" } }))[0]).toBe(400);
    expect((await call("/grab", { body: form({ id: "bad id" }) }))[0]).toBe(400);
    expect((await call("/grab/%E0%A4%A"))[0]).toBe(400);
    expect((await call("/grab", { body: "x".repeat(200_000) }))[0]).toBe(413);
    const [s3, b3] = await call(`/grab?id=${id}`, { method: "GET" });
    expect([s3, b3.error]).toEqual([405, "grab takes POST"]);
    expect((await call("/nosuchroute"))[0]).toBe(404);
  });

  it("expires a grab after the configured grab TTL, and a pool's expire: 0 keeps it forever", async () => {
    server = await startCompatServer({ compat: { webmutex: { grabTtl: "300ms" } }, pools: [{ pattern: "forever/*", expire: 0 }] });
    const id = await reserve();
    const [, grab] = await call("/grab", { body: form({ id }) });
    expect(grab.expires_at_ms).toBeGreaterThan(0);
    await eventually(async () => expect((await call(`/status/${id}`))[1].in_use).toBe(false), 5000);
    expect((await call("/release", { body: form({ id, token: grab.token as string }) }))[0]).toBe(409);

    // A mutex reserved through Connect under a pool's prefix follows that pool.
    const { name } = await lockClient("connect-json-h1", server.url).reserve({ prefix: "forever/" });
    const [status, kept] = await call("/grab", { body: JSON.stringify({ id: name }) });
    expect([status, kept.expires_at_ms]).toEqual([200, 0]);
  });

  it("shares state with the Connect API both ways", async () => {
    server = await startCompatServer();
    const client = lockClient("connect-json-h1", server.url);
    const id = await reserve();
    const [, grab] = await call("/grab", { body: form({ id, owner: "webmutex-user" }) });
    const described = await client.describe({ name: id });
    expect(described.lock!.holders.map((h) => [h.owner, h.fencing])).toEqual([["webmutex-user", BigInt(grab.fencing as string)]]);
    await client.release({ name: id, token: grab.token as string });
    const { lease } = await client.acquire({ name: id, owner: "connect-user" });
    expect((await call("/grab", { body: form({ id }) }))[0]).toBe(423);
    expect(await call(`/status/${id}`)).toEqual([200, expect.objectContaining({ in_use: true })]);
    expect((await call("/release", { body: form({ id, token: lease!.token }) }))[0]).toBe(200);
  });
});
