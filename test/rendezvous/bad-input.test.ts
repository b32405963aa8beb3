import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { startServer, type TestServer } from "../helpers/server.js";
import { collect, rendezvousClient, uniqueKey } from "./rendezvous-client.js";

const BAD_KEYS = ["", "has space", "tab\there", "nul\u0000", "é", "x".repeat(257), "k".repeat(4096)];

describe("RendezvousService refuses bad input at the edge", () => {
  let server: TestServer;
  let client: ReturnType<typeof rendezvousClient>;

  beforeAll(async () => {
    server = await startServer({ rendezvousHeartbeatMs: 50 });
    client = rendezvousClient(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  async function code(call: Promise<unknown> | AsyncIterable<unknown>): Promise<Code | undefined> {
    if (Symbol.asyncIterator in call) return ConnectError.from((await collect(call)).error).code;
    try {
      await call;
      return undefined;
    } catch (error) {
      return ConnectError.from(error).code;
    }
  }

  it("a payload of 64 KiB is accepted, one byte more is invalid_argument and sets nothing", async () => {
    const key = uniqueKey("payload");
    expect(await code(client.signal({ key, payload: "p".repeat(64 * 1024) }))).toBeUndefined();
    await client.reset({ key });
    const error = await client.signal({ key, payload: "€".repeat(21846) }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toContain("65538 bytes");
    expect((await client.list({ prefix: key })).set).toEqual([]);
  });

  it("malformed keys are invalid_argument on every RPC", async () => {
    for (const key of BAD_KEYS) {
      expect(await code(client.signal({ key })), JSON.stringify(key.slice(0, 20))).toBe(Code.InvalidArgument);
      expect(await code(client.reset({ key }))).toBe(Code.InvalidArgument);
      expect(await code(client.wait({ key, waitMs: 1000n }))).toBe(Code.InvalidArgument);
      expect(await code(client.arrive({ key, parties: 2 }))).toBe(Code.InvalidArgument);
    }
    expect(await code(client.subscribe({ key: "bad key" }))).toBe(Code.InvalidArgument);
    expect(await code(client.subscribe({ prefix: "bad prefix" }))).toBe(Code.InvalidArgument);
    expect(await code(client.list({ prefix: "bad\nprefix" }))).toBe(Code.InvalidArgument);
  });

  it("out-of-range TTLs, timeouts, limits and owners are invalid_argument", async () => {
    const key = uniqueKey("ranges");
    expect(await code(client.signal({ key, ttlMs: 0n }))).toBe(Code.InvalidArgument);
    expect(await code(client.signal({ key, ttlMs: -5n }))).toBe(Code.InvalidArgument);
    expect(await code(client.signal({ key, ttlMs: 2n ** 62n }))).toBe(Code.InvalidArgument);
    expect(await code(client.signal({ key, owner: "evil\nlog line" }))).toBe(Code.InvalidArgument);
    expect(await code(client.wait({ key, waitMs: -1n }))).toBe(Code.InvalidArgument);
    expect(await code(client.wait({ key, waitMs: 2n ** 62n }))).toBe(Code.InvalidArgument);
    expect(await code(client.arrive({ key, parties: 1_000_000 }))).toBe(Code.InvalidArgument);
    expect(await code(client.list({ pageSize: 1001 }))).toBe(Code.InvalidArgument);
    const list = await client.list({ prefix: key });
    expect([list.set, list.waiting, list.barriers]).toEqual([[], [], []]);
  });

  it("malformed HTTP bodies get a 4xx and the server keeps serving", async () => {
    const post = (path: string, body: string) =>
      fetch(server.url + "/baton.rendezvous.v1.RendezvousService/" + path, { method: "POST", headers: { "content-type": "application/json" }, body });
    const key = uniqueKey("http");
    const cases: [string, string][] = [
      ["Signal", "{not json"],
      ["Signal", JSON.stringify({ key: 42 })],
      ["Signal", JSON.stringify({ key, payload: { nested: true } })],
      ["Signal", JSON.stringify({ key, ttl: 5 })],
      ["Signal", JSON.stringify({ key, ttlMs: "soon" })],
      ["Signal", JSON.stringify({ key, payload: "x".repeat(10 * 1024 * 1024) })],
      ["List", JSON.stringify({ limit: -1 })],
    ];
    for (const [path, body] of cases) {
      const res = await post(path, body);
      expect(res.status, `${path} ${body.slice(0, 40)}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await client.list({ prefix: key })).set).toEqual([]);
    const ok = await post("Signal", JSON.stringify({ key, payload: "fine" }));
    expect(ok.status).toBe(200);
    // proto3 JSON leaves out zero values: "woken" is absent when nobody waited.
    expect(await ok.json()).toEqual({ signal: expect.objectContaining({ key, payload: "fine" }) });
  });
});
