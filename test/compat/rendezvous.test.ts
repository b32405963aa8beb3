import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { createClient } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { transportFor } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

let server: CompatServer;
afterEach(() => server?.close());

type Json = Record<string, unknown>;

async function rv(method: string, path: string, base = `${server.url}/rendezvous`, body?: string): Promise<[number, Json]> {
  const init: RequestInit = { method };
  if (body !== undefined) init.body = body;
  const response = await fetch(base + path, init);
  return [response.status, (await response.json()) as Json];
}

async function waiters(key: string): Promise<number> {
  const listing = await server.rendezvous.list(key, 10);
  return listing.waiting.find((w) => w.key === key)?.waiters ?? 0;
}

describe("web-rendezvous compatibility", () => {
  it("replays the README: GET /abc blocks until PUT /abc, then answers 200", async () => {
    server = await startCompatServer();
    const waiting = rv("GET", "/abc");
    await eventually(async () => expect(await waiters("abc")).toBe(1));
    expect(await rv("PUT", "/abc")).toEqual([200, { ok: true }]);
    expect(await waiting).toEqual([200, { ok: true }]);
    // The key stays set: a later GET returns at once. POST sets too, and DELETE clears.
    expect(await rv("GET", "/abc")).toEqual([200, { ok: true }]);
    expect((await rv("POST", "/other"))[0]).toBe(200);
    expect(await rv("DELETE", "/abc")).toEqual([200, { ok: true, was_set: true }]);
    expect(await rv("DELETE", "/abc")).toEqual([200, { ok: true, was_set: false }]);
  });

  it("answers 404 Timeout after the configured timeout and lists the key as timed out", async () => {
    server = await startCompatServer({ compat: { rendezvous: { timeout: "300ms" } } });
    const [status, body] = await rv("GET", "/never");
    expect([status, body.ok, body.error]).toEqual([404, false, "Timeout"]);
    const [, listing] = await rv("GET", "/?view=json");
    expect((listing.timedOut as { key: string }[]).map((t) => t.key)).toEqual(["never"]);
  });

  it("lists keys waiting, set and timed out in Baton's richer views, next to the original's homepage", async () => {
    server = await startCompatServer();
    const waiting = rv("GET", "/pending");
    await eventually(async () => expect(await waiters("pending")).toBe(1));
    await rv("PUT", "/done", undefined, "payload");
    await server.rendezvous.signal({ key: "html", payload: "", owner: "<script>alert(1)</script>" });
    expect(await rv("GET", "/")).toEqual([200, { ok: true, waiting_and_failed: ["/pending"], marked: ["/done", "/html"] }]);
    // A browser gets the original's JSON too; Baton's views are asked for by name.
    const plain = await fetch(`${server.url}/rendezvous/`, { headers: { accept: "text/html" } });
    expect(plain.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const [status, listing] = await rv("GET", "/?view=json");
    expect(status).toBe(200);
    expect((listing.waiting as { key: string }[]).map((w) => w.key)).toEqual(["pending"]);
    expect((listing.set as { key: string; payload: string }[]).map((s) => [s.key, s.payload])).toEqual([
      ["done", "payload"],
      ["html", ""],
    ]);
    const page = await (await fetch(`${server.url}/rendezvous/?view=page`)).text();
    expect(page).toContain("<td>pending</td>");
    expect(page).toContain("&#60;script&#62;alert(1)");
    expect(page).not.toContain("<script>");
    await rv("PUT", "/pending");
    await waiting;
  });

  it("keeps keys starting with _ reserved, and answers odd requests as the original did", async () => {
    server = await startCompatServer({ compat: { rendezvous: { timeout: "300ms" } } });
    const reserved = { ok: false, error: "Keys starting with '_' are reserved" };
    for (const method of ["PUT", "POST", "DELETE"]) expect([method, ...(await rv(method, "/_postgres"))]).toEqual([method, 404, reserved]);
    // GET of a reserved key that names no probe waits like any key nobody sets.
    expect(await rv("GET", "/_other")).toEqual([404, { ok: false, error: "Timeout" }]);
    expect(await rv("PATCH", "/key")).toEqual([200, { ok: false, error: "I dont understand that HTTP method, try 'put', 'post' or 'get'" }]);
    const favicon = await fetch(`${server.url}/rendezvous/favicon.ico`);
    expect([favicon.status, await favicon.text()]).toEqual([404, ""]);
    // Baton's own limits: keys it cannot store are refused at once instead of waited on.
    for (const path of ["/bad%20key", "/%E0%A4%A"]) {
      const [status, body] = await rv("GET", path);
      expect([path, status, body.ok]).toEqual([path, 400, false]);
    }
    expect(server.logs.filter((l) => l.includes("unexpected"))).toEqual([]);
  });

  it("waits on /_port/HOST/PORT until the port listens, and refuses hosts outside the probe allowlist", async () => {
    server = await startCompatServer();
    const probe = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // Nothing listens on `port` now; the wait must keep probing until it does.
    const waiting = rv("GET", `/_port/127.0.0.1/${port}`);
    await new Promise((r) => setTimeout(r, 600));
    await new Promise<void>((resolve) => probe.listen(port, "127.0.0.1", resolve));
    expect(await waiting).toEqual([200, { ok: true }]);
    probe.close();

    const [status, body] = await rv("GET", "/_port/10.1.2.3/5432");
    expect([status, body.ok]).toEqual([403, false]);
    expect(body.error).toBe("This server's probeAllowlist does not let probes reach 10.1.2.3");
  });

  it("times out /_port/ on a port nobody opens, with the last error in a header", async () => {
    server = await startCompatServer({ compat: { rendezvous: { timeout: "700ms" } } });
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const response = await fetch(`${server.url}/rendezvous/_port/127.0.0.1/${port}`);
    expect([response.status, await response.text()]).toEqual([404, `{"ok":false,"error":"Timeout"}`]);
    expect(response.headers.get("x-baton-last-error")).toMatch(/ECONNREFUSED/);
  });

  it("shares keys with the Connect RendezvousService, and can be mounted at the root", async () => {
    server = await startCompatServer({ compat: { root: "rendezvous" } });
    const client = createClient(RendezvousService, transportFor("connect-json-h1", server.url));
    const waiting = rv("GET", "/deploy-done", server.url);
    await eventually(async () => expect(await waiters("deploy-done")).toBe(1));
    const signalled = await client.signal({ key: "deploy-done", payload: "v42", owner: "connect" });
    expect(signalled.woken).toBe(1);
    expect(await waiting).toEqual([200, { ok: true }]);
    // The other way: a PUT through the root mount wakes a Connect waiter.
    const stream = client.wait({ key: "build-done", waitMs: 20_000n });
    const seen = (async () => {
      for await (const m of stream) if (m.event.case === "signaled") return m.event.value;
      return undefined;
    })();
    await eventually(async () => expect(await waiters("build-done")).toBe(1));
    expect((await rv("PUT", "/build-done", server.url, "ok"))[0]).toBe(200);
    expect((await seen)?.payload).toBe("ok");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await rv("GET", "/", server.url))[0]).toBe(200);
  });
});
