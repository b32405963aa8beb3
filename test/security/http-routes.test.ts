import * as http2 from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { parseCompatOptions } from "../../src/server/compat/index.js";
import { parsePools } from "../../src/engine/pools.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { testKey, type TestKey } from "./keyed.js";

// The routes outside the RPC pipeline (the compatibility layers and the live page) take the same
// keys: seed-style calls work with auth off, and with auth on given a key (Bearer, or Basic with
// the key as the password, which is how Locker's clients and browsers send it).

const locks = testKey("pipelines", ["acquire"]);
const rendezvous = testKey("jobs", ["read", "signal"]);
const viewer = testKey("viewer", ["read"]);
const narrow = testKey("narrow", ["acquire", "read"], { locks: ["narrow/"] });

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(keys: TestKey[]): Promise<TestServer> {
  server = await startServer({
    keys: keys.map((k) => k.spec),
    pools: parsePools([{ name: "pool1", maxlocks: 1 }]),
    compat: parseCompatOptions({}),
    probeAllowlist: DEFAULT_CONFIG.probeAllowlist,
  });
  return server;
}

const bearer = (k: TestKey) => ({ authorization: `Bearer ${k.key}` });
const basic = (k: TestKey, user = "concourse") => ({ authorization: `Basic ${Buffer.from(`${user}:${k.key}`).toString("base64")}` });

async function req(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<[number, string, Headers]> {
  const response = await fetch(server!.url + path, { method, headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
  return [response.status, await response.text(), response.headers];
}

/** One seed-style exchange per layer, each given `auth` headers; returns what each answered. */
async function seedCalls(auth: (k: TestKey) => Record<string, string>) {
  const out: Record<string, [number, string]> = {};
  const lockerBody = '{"lock":"prod-cloudfoundry"}';
  out["locker lock"] = (await req("PUT", "/locker/lock/prod-deployments", auth(locks), lockerBody)).slice(0, 2) as [number, string];
  out["locker unlock"] = (await req("DELETE", "/locker/lock/prod-deployments", auth(locks), lockerBody)).slice(0, 2) as [number, string];
  out["distributex get"] = (await req("GET", "/distributex/get/?host=me&pool=pool1", auth(locks))).slice(0, 2) as [number, string];
  out["distributex release"] = (await req("GET", "/distributex/release/?host=me&pool=pool1", auth(locks))).slice(0, 2) as [number, string];
  const reserved = await req("POST", "/webmutex/reserve", auth(locks));
  out["webmutex reserve"] = [reserved[0], JSON.parse(reserved[1]).status as string];
  out["rendezvous set"] = (await req("PUT", "/rendezvous/build-42", auth(rendezvous))).slice(0, 2) as [number, string];
  out["rendezvous wait"] = (await req("GET", "/rendezvous/build-42", auth(rendezvous))).slice(0, 2) as [number, string];
  return out;
}

const SEED_ANSWERS = {
  "locker lock": [200, `{"response":"lock for prod-deployments acquired by prod-cloudfoundry"}`],
  "locker unlock": [200, `{"response":"Lock released on prod-deployments"}`],
  "distributex get": [200, "YES"],
  "distributex release": [200, "OK"],
  "webmutex reserve": [200, "ok"],
  "rendezvous set": [200, `{"ok":true}`],
  "rendezvous wait": [200, `{"ok":true}`],
};

describe("compatibility layers and the live page with API keys", () => {
  it("answer the seed calls as before when no keys are configured", async () => {
    await start([]);
    expect(await seedCalls(() => ({}))).toEqual(SEED_ANSWERS);
    expect((await req("GET", "/ui"))[0]).toBe(200);
  });

  it("answer the seed calls given a key, as Bearer or as Basic", async () => {
    await start([locks, rendezvous, viewer]);
    expect(await seedCalls(bearer)).toEqual(SEED_ANSWERS);
    expect(await seedCalls((k) => basic(k))).toEqual(SEED_ANSWERS);
  });

  it("refuse a caller without a key with 401 and a Basic challenge, and a revoked key after a reload", async () => {
    await start([locks, rendezvous]);
    for (const [method, path] of [["PUT", "/locker/lock/p"], ["GET", "/distributex/get/?host=a&pool=pool1"], ["POST", "/webmutex/reserve"], ["PUT", "/rendezvous/k"]] as const) {
      const [status, body, headers] = await req(method, path);
      expect([method, path, status]).toEqual([method, path, 401]);
      expect(headers.get("www-authenticate")).toMatch(/^Basic realm="baton"/);
      expect(JSON.parse(body).reason).toBe("UNAUTHENTICATED");
    }
    expect((await server!.app.engine.describe("p")).holders).toEqual([]);
    server!.app.reload({ ...DEFAULT_CONFIG, keys: [rendezvous.spec] });
    expect((await req("PUT", "/locker/lock/p", basic(locks), '{"lock":"x"}'))[0]).toBe(401);
    expect((await req("PUT", "/rendezvous/k", bearer(rendezvous)))[0]).toBe(200);
  });

  it("refuse a key without the layer's action, or scoped to some names, with 403 naming the scope", async () => {
    await start([locks, rendezvous, narrow]);
    const [status, body] = await req("PUT", "/rendezvous/k", bearer(locks));
    expect(status).toBe(403);
    expect(JSON.parse(body).error).toBe(`key "pipelines" lacks the "signal" action scope`);
    const [narrowStatus, narrowBody] = await req("GET", "/distributex/get/?host=a&pool=pool1", bearer(narrow));
    expect(narrowStatus).toBe(403);
    expect(JSON.parse(narrowBody).error).toContain("every lock name");
    expect((await server!.app.engine.describe("pool1")).holders).toEqual([]);
  });

  it("serve the live page to a read key only, over HTTP/1.1 and HTTP/2", async () => {
    await start([locks, viewer]);
    expect((await req("GET", "/ui"))[0]).toBe(401);
    expect((await req("GET", "/ui/app.js", basic(locks)))[0]).toBe(403);
    expect((await req("GET", "/ui", basic(viewer, "")))[0]).toBe(200);
    const session = http2.connect(server!.url);
    try {
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const stream = session.request({ ":path": "/ui", ...headers });
          stream.on("response", (h) => resolve(Number(h[":status"])));
          stream.on("error", reject);
          stream.resume();
        });
      expect(await status({})).toBe(401);
      expect(await status(bearer(viewer))).toBe(200);
    } finally {
      session.close();
    }
  });

  it("answer a key over its rate with 429 and Retry-After, and serve other keys", async () => {
    const slow = testKey("slow", ["acquire"], { limits: { requestsPerSecond: 1, burst: 1 } });
    await start([slow, locks]);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5 && !statuses.includes(429); i++) {
      const [status, , headers] = await req("GET", "/locker/locks", bearer(slow));
      statuses.push(status);
      if (status === 429) retryAfter = headers.get("retry-after");
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await req("GET", "/locker/locks", bearer(locks)))[0]).toBe(200);
  });

  it("keep Locker's own Basic credentials when keys are off", async () => {
    server = await startServer({ compat: parseCompatOptions({ locker: { auth: { user: "ci", password: "s3cret-pass" } } }) });
    expect((await req("GET", "/locker/locks"))[0]).toBe(401);
    const own = { authorization: `Basic ${Buffer.from("ci:s3cret-pass").toString("base64")}` };
    expect((await req("GET", "/locker/locks", own))[0]).toBe(200);
  });
});
