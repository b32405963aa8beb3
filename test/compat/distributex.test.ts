import * as http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

const POOLS = [
  { name: "pool1", expire: 300 },
  { name: "pool2", expire: 300 },
  { name: "web", maxlocks: 2, servers: ["web1", "web2", "web3"] },
  { name: "short", expire: 1 },
  { name: "forever", expire: 0 },
  { pattern: "baton-spelling" },
];

let server: CompatServer;
afterEach(() => server?.close());

async function dx(path: string, base = server.url + "/distributex"): Promise<[number, string]> {
  const response = await fetch(base + path);
  return [response.status, await response.text()];
}

describe("Distributex compatibility", () => {
  it("replays the README session", async () => {
    server = await startCompatServer({ pools: POOLS });
    expect(await dx("/get/?host=me&pool=pool1")).toEqual([200, "YES"]);
    expect(await dx("/get/?host=them&pool=pool1")).toEqual([200, "NO"]);
    expect(await dx("/release/?host=me&pool=pool1")).toEqual([200, "OK"]);
    expect(await dx("/get/?host=them&pool=pool1")).toEqual([200, "YES"]);
    expect(await dx("/release/?host=them&pool=pool1")).toEqual([200, "OK"]);
    expect((await server.engine.describe("pool1")).holders).toEqual([]);
  });

  it("takes the paths with and without the trailing slash, and a holder asking again gets YES", async () => {
    server = await startCompatServer({ pools: POOLS });
    // The original's command is the path with every "/" removed.
    expect(await dx("//g/e/t//?host=other&pool=pool2")).toEqual([200, "YES"]);
    expect(await dx("/release?host=other&pool=pool2")).toEqual([200, "OK"]);
    expect(await dx("/get?host=me&pool=pool2")).toEqual([200, "YES"]);
    expect(await dx("/get?host=me&pool=pool2")).toEqual([200, "YES"]);
    expect(await dx("/wait?host=me&pool=pool2")).toEqual([200, "YES"]);
    expect((await server.engine.describe("pool2")).holders.map((h) => h.owner)).toEqual(["me"]);
    expect(await dx("/release?host=me&pool=pool2")).toEqual([200, "OK"]);
    // Releasing what one does not hold is OK, as in Distributex.
    expect(await dx("/release?host=me&pool=pool2")).toEqual([200, "OK"]);
  });

  it("answers INVALID for a missing parameter, an unknown pool or a host outside the pool's servers", async () => {
    server = await startCompatServer({ pools: POOLS });
    expect(await dx("/get/?host=me")).toEqual([200, "INVALID"]);
    expect(await dx("/get/?pool=pool1")).toEqual([200, "INVALID"]);
    expect(await dx("/get/?host=me&pool=nosuchpool")).toEqual([200, "INVALID"]);
    expect(await dx("/wait/?host=me&pool=nosuchpool")).toEqual([200, "INVALID"]);
    expect(await dx("/get/?host=intruder&pool=web")).toEqual([200, "INVALID"]);
    expect(await dx("/get/?host=&pool=pool1")).toEqual([200, "INVALID"]);
    expect(await dx("/get/?host=me&pool=bad%20name")).toEqual([200, "INVALID"]);
    // Any other command is INVALID, with status 200, as the original answered everything.
    expect(await dx("/frobnicate/?host=me&pool=pool1")).toEqual([200, "INVALID"]);
    expect(await dx("/?host=me&pool=pool1")).toEqual([200, "INVALID"]);
    expect((await server.engine.describe("nosuchpool")).holders).toEqual([]);
    expect((await server.engine.describe("web")).holders).toEqual([]);
  });

  it("treats maxlocks as a semaphore", async () => {
    server = await startCompatServer({ pools: POOLS });
    expect(await dx("/get/?host=web1&pool=web")).toEqual([200, "YES"]);
    expect(await dx("/get/?host=web2&pool=web")).toEqual([200, "YES"]);
    expect(await dx("/get/?host=web3&pool=web")).toEqual([200, "NO"]);
    // Asking again while holding takes no second permit.
    expect(await dx("/release/?host=web2&pool=web")).toEqual([200, "OK"]);
    expect(await dx("/get/?host=web1&pool=web")).toEqual([200, "YES"]);
    expect((await server.engine.describe("web")).holders.map((h) => h.owner)).toEqual(["web1"]);
    expect((await server.engine.describe("web")).limit).toBe(2);
  });

  it("applies the pool's expire, and 0 means never", async () => {
    server = await startCompatServer({ pools: POOLS });
    expect(await dx("/get/?host=me&pool=short")).toEqual([200, "YES"]);
    expect(await dx("/get/?host=me&pool=forever")).toEqual([200, "YES"]);
    const forever = (await server.engine.describe("forever")).holders[0];
    expect(forever?.expiresAtMs).toBe(0);
    const short = (await server.engine.describe("short")).holders[0];
    expect(short?.ttlMs).toBe(1000);
    // A pool in Baton's spelling without a TTL gets Distributex's default: 30 minutes.
    expect(await dx("/get/?host=me&pool=baton-spelling")).toEqual([200, "YES"]);
    expect((await server.engine.describe("baton-spelling")).holders[0]?.ttlMs).toBe(30 * 60_000);
    await eventually(async () => expect(await dx("/get/?host=them&pool=short")).toEqual([200, "YES"]), 5000);
  });

  it("holds wait open and answers YES the moment a Connect holder releases", async () => {
    server = await startCompatServer({ pools: POOLS });
    const client = lockClient("connect-json-h1", server.url);
    const { lease } = await client.acquire({ name: "pool1", owner: "connect-user" });
    const waiting = dx("/wait/?host=me&pool=pool1");
    await eventually(async () => expect((await server.engine.describe("pool1")).waiters.map((w) => w.owner)).toEqual(["me"]));
    await client.release({ name: "pool1", token: lease!.token });
    expect(await waiting).toEqual([200, "YES"]);
    const holders = (await client.describe({ name: "pool1" })).lock!.holders;
    expect(holders.map((h) => h.owner)).toEqual(["me"]);
  });

  it("takes a waiter out of the queue when its client hangs up", async () => {
    server = await startCompatServer({ pools: POOLS });
    expect(await dx("/get/?host=me&pool=pool1")).toEqual([200, "YES"]);
    const req = http.get(`${server.url}/distributex/wait/?host=them&pool=pool1`);
    req.on("error", () => undefined);
    await eventually(async () => expect((await server.engine.describe("pool1")).waiters).toHaveLength(1));
    req.destroy();
    await eventually(async () => expect((await server.engine.describe("pool1")).waiters).toHaveLength(0));
    expect(await dx("/release/?host=me&pool=pool1")).toEqual([200, "OK"]);
    expect((await server.engine.describe("pool1")).holders).toEqual([]);
  });

  it("serves the client's hard-coded /wait/ path when mounted at the root, next to Connect and /healthz", async () => {
    server = await startCompatServer({ pools: POOLS, compat: { root: "distributex" } });
    expect(await dx("/get/?host=me&pool=pool1", server.url)).toEqual([200, "YES"]);
    const waiting = dx("/wait/?pool=pool1&host=them", server.url);
    await eventually(async () => expect((await server.engine.describe("pool1")).waiters).toHaveLength(1));
    expect(await dx("/release/?host=me&pool=pool1", server.url)).toEqual([200, "OK"]);
    expect(await waiting).toEqual([200, "YES"]);
    // The prefixed mount still works, and so do Connect and the health check.
    expect(await dx("/get/?host=me&pool=pool1")).toEqual([200, "NO"]);
    const described = await lockClient("connect-json-h1", server.url).describe({ name: "pool1" });
    expect(described.lock!.holders.map((h) => h.owner)).toEqual(["them"]);
    expect((await fetch(server.url + "/healthz")).status).toBe(200);
    // Every other path at the root is Distributex's, which answered INVALID to anything it did not know.
    expect(await dx("/nothing-here", server.url)).toEqual([200, "INVALID"]);
    // The server's address itself is left to the app: the redirect to the live page.
    const root = await fetch(server.url + "/", { redirect: "manual" });
    expect([root.status, root.headers.get("location")]).toEqual([302, "/ui"]);
  });
});
