import { ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import type { WaitResponse } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { lockClient, transportFor, TRANSPORTS } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { uniqueName } from "../helpers/unique.js";

const unique = (base: string): string => uniqueName("logging", base);

/** The JSON lines a test server logged, parsed (a line that is not JSON fails the test). */
function lines(server: TestServer): Array<Record<string, unknown>> {
  return server.jsonLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("structured logs", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ accessLog: true, logLevel: "trace" });
  });
  afterAll(() => server.close());

  it("never writes a lease token, a key or a payload, while logging every call", async () => {
    const secrets: string[] = [];
    const connect = lockClient("connect-json-h1", server.url);
    const grpc = lockClient("grpc-h2", server.url);
    const name = unique("secret");
    const { lease: first } = await connect.acquire({ name, owner: "first" });
    secrets.push(first!.token);
    const events: WaitResponse[] = [];
    const waiting = (async () => {
      for await (const e of grpc.wait({ name, owner: "second" }, { headers: { authorization: "Bearer key-SECRET-abcdef0123456789" } })) events.push(e);
    })();
    await eventually(() => expect(events[0]?.event.case).toBe("queued"));
    await connect.release({ name, token: first!.token });
    await waiting;
    const granted = events.at(-1);
    const second = granted?.event.case === "granted" ? granted.event.value.token : "";
    secrets.push(second);
    await connect.refresh({ name, token: second });
    // Failures that quote their input: a released token, a malformed one, a bad field.
    await expect(connect.release({ name, token: first!.token })).rejects.toThrow();
    await expect(connect.release({ name, token: "not-a-token-PAYLOADSECRET" })).rejects.toThrow();
    await connect.release({ name, token: second });
    const bad = await fetch(`${server.url}/baton.lock.v1.LockService/Acquire`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer key-SECRET-abcdef0123456789" },
      body: JSON.stringify({ name, owner: "o", ttl: "PAYLOADSECRET-2" }),
    });
    expect(bad.status).toBe(400);
    const payload = "PAYLOAD-SECRET-" + "x".repeat(40);
    const rendezvous = createClient(RendezvousService, transportFor("connect-binary-h2", server.url));
    await rendezvous.signal({ key: unique("signal"), payload });
    secrets.push(payload, "PAYLOADSECRET", "key-SECRET-abcdef0123456789");

    const all = [...server.jsonLogs, ...server.logs].join("\n");
    for (const secret of secrets) expect(all).not.toContain(secret);
    // The access log saw the calls, so the grep above looked at real lines.
    const calls = lines(server).filter((l) => l.event === "call" || l.event === "call_failed");
    expect(calls.filter((l) => l.method === "Release").map((l) => l.code)).toEqual(expect.arrayContaining(["ok", "failed_precondition", "invalid_argument"]));
    expect(calls.some((l) => l.method === "Signal" && l.code === "ok")).toBe(true);
    expect(calls.some((l) => l.method === "Wait" && l.protocol === "grpc")).toBe(true);
  });

  it("logs one line per failed call with method, code, protocol, request id and duration", async () => {
    const c = lockClient("grpc-web-h1", server.url);
    const requestId = "trace-" + unique("id").replace(/\//g, ".");
    const error = await c.release({ name: unique("failed"), token: "0".repeat(32) }, { headers: { "x-request-id": requestId } }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error?.metadata.get("x-request-id")).toBe(requestId);
    const mine = lines(server).filter((l) => l.requestId === requestId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ event: "call_failed", service: "baton.lock.v1.LockService", method: "Release", protocol: "grpc_web", code: "failed_precondition", level: 30 });
    expect(typeof mine[0]!.durationMs).toBe("number");
    expect(mine[0]!.reason).toBe("NOT_HELD");
  });
});

describe("request ids", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it.each(TRANSPORTS)("echoes a sane x-request-id over %s and makes one up for anything else", async (kind) => {
    const c = lockClient(kind, server.url);
    const name = unique(`rid-${kind}`);
    let echoed: string | null = null;
    const { lease } = await c.acquire({ name, owner: "o" }, { headers: { "x-request-id": "abc-123" }, onHeader: (h) => (echoed = h.get("x-request-id")) });
    expect(echoed).toBe("abc-123");
    await c.release({ name, token: lease!.token }, { headers: { "x-request-id": "has space" }, onHeader: (h) => (echoed = h.get("x-request-id")) });
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await c.release({ name, token: lease!.token }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(failed?.metadata.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("echoes it on the plain HTTP routes too", async () => {
    const health = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "plain-1" } });
    expect(health.headers.get("x-request-id")).toBe("plain-1");
    const missing = await fetch(`${server.url}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("logs nothing for successful calls without the access log", async () => {
    const c = lockClient("connect-json-h1", server.url);
    const name = unique("quiet");
    const { lease } = await c.acquire({ name, owner: "o" });
    await c.release({ name, token: lease!.token });
    expect(server.jsonLogs.filter((l) => l.includes('"Acquire"'))).toEqual([]);
  });
});

describe("log level", () => {
  it("drops failed-call warnings below logLevel", async () => {
    const server = await startServer({ logLevel: "error" });
    try {
      const c = lockClient("connect-json-h1", server.url);
      await expect(c.release({ name: unique("lvl"), token: "0".repeat(32) })).rejects.toThrow();
      expect(server.jsonLogs).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
