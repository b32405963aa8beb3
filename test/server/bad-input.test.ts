import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as http2 from "node:http2";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

/** A Connect unary call as curl would make it: JSON over HTTP/1.1. */
async function post(method: string, body: string | Uint8Array, contentType = "application/json") {
  const res = await fetch(`${server.url}/baton.lock.v1.LockService/${method}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  const text = await res.text();
  let json: { code?: string; message?: string } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    /* not JSON: the assertions below say so */
  }
  return { status: res.status, json, text };
}

describe("bad input over HTTP/1.1 JSON", () => {
  const cases: Array<[string, string, string, number, RegExp]> = [
    ["malformed JSON", "Acquire", "{not json", 400, /not valid JSON|cannot decode/],
    ["a wrong type", "Acquire", JSON.stringify({ name: 42 }), 400, /cannot decode/],
    ["an unknown field", "Acquire", JSON.stringify({ name: "a", ttl: 5 }), 400, /unknown/],
    ["a name with a space", "Acquire", JSON.stringify({ name: "my lock" }), 400, /space/],
    ["a name with a control character", "Acquire", JSON.stringify({ name: "a\u0007b" }), 400, /control character/],
    ["a 4 KB name", "Acquire", JSON.stringify({ name: "n".repeat(4096) }), 400, /at most 256/],
    ["an empty name", "Acquire", JSON.stringify({ name: "" }), 400, /name is required/],
    ["a negative TTL", "Acquire", JSON.stringify({ name: "a", ttlMs: -1 }), 400, /ttl_ms must be between/],
    ["a huge TTL", "Acquire", JSON.stringify({ name: "a", ttlMs: "9007199254740993" }), 400, /ttl_ms must be between/],
    ["an out-of-range int64", "Acquire", JSON.stringify({ name: "a", ttlMs: "1e30" }), 400, /cannot decode/],
    ["limit 0", "Acquire", JSON.stringify({ name: "a", limit: 0 }), 400, /limit must be between/],
    ["a negative limit", "Acquire", JSON.stringify({ name: "a", limit: -3 }), 400, /cannot decode/],
    ["a negative wait", "Acquire", JSON.stringify({ name: "a", waitMs: -1 }), 400, /wait_ms must be between/],
    ["a malformed token", "Release", JSON.stringify({ name: "a", token: "abc" }), 400, /32 hex digits/],
    ["an owner with a newline", "Acquire", JSON.stringify({ name: "a", owner: "x\ny" }), 400, /control characters/],
    ["a bad page token", "List", JSON.stringify({ prefix: "p/", pageToken: "zzzz" }), 400, /page_token/],
    ["a huge page", "List", JSON.stringify({ pageSize: 5000 }), 400, /page_size/],
  ];

  it.each(cases)("answers %s with a 4xx and an actionable message", async (_label, method, body, status, message) => {
    const res = await post(method, body);
    expect(res.status).toBe(status);
    expect(res.json.message ?? res.text).toMatch(message);
  });

  it("answers a 10 MB body with a 4xx without reading it all", async () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    const res = await post("Acquire", big);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it("answers an unknown route with 404 and a wrong method with a 4xx", async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const get = await fetch(`${server.url}/baton.lock.v1.LockService/Acquire`);
    expect(get.status).toBeGreaterThanOrEqual(400);
    expect(get.status).toBeLessThan(500);
  });

  it("keeps serving and changed no state after all of that", async () => {
    for (const [, method, body] of cases) await post(method, body);
    const list = await lockClient("connect-json-h1", server.url).list({});
    expect(list.locks).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("many open Wait streams on one HTTP/2 connection", () => {
  it("do not starve unary calls on the same connection", async () => {
    const client = lockClient("connect-binary-h2", server.url);
    const name = "h2/starve";
    const { lease } = await client.acquire({ name });
    const ctl = new AbortController();
    const streams = Array.from({ length: 300 }, (_, i) =>
      (async () => {
        for await (const _ of client.wait({ name, owner: `w${i}` }, { signal: ctl.signal })) void _;
      })().catch(() => undefined),
    );
    // With a 100-stream cap these unary calls would queue behind the waits and never finish.
    for (let i = 0; i < 400; i++) {
      const info = await client.describe({ name });
      if (info.lock?.waiters.length === 300) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await client.describe({ name })).lock?.waiters).toHaveLength(300);
    await client.release({ name, token: lease!.token });
    ctl.abort();
    await Promise.all(streams);
  });

  it("serves raw h2c clients (prior knowledge) on the same port as HTTP/1.1", async () => {
    const session = http2.connect(server.url);
    const req = session.request({ ":method": "GET", ":path": "/healthz" });
    const status = await new Promise<number>((resolve) => req.on("response", (h) => resolve(Number(h[":status"]))));
    req.resume();
    session.close();
    expect(status).toBe(200);
  });
});
