import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient, TRANSPORTS } from "../helpers/clients.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

async function codeOf(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, message: e.rawMessage };
  }
  throw new Error("the call succeeded");
}

describe.each(TRANSPORTS)("permits, shared and values over %s", (kind) => {
  it("refuses a weight above the limit, permits with shared, and an oversized value, changing nothing", async () => {
    const client = lockClient(kind, server.url);
    const name = `claims-validation/${kind}`;
    expect(await codeOf(client.acquire({ name, limit: 2, permits: 3, waitMs: 0n }))).toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining("limit of 2") });
    const { lease } = await client.acquire({ name, limit: 4, permits: 2, value: "v" });
    // The lock's limit is 4 now; a weight of 5 could never be granted, so it is refused, not queued.
    expect(await codeOf(client.acquire({ name, permits: 5 }))).toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining("limit of 4") });
    expect(await codeOf(client.acquire({ name, shared: true, permits: 1 }))).toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining("shared") });
    expect(await codeOf(client.acquire({ name, value: "x".repeat(4097) }))).toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining("4096") });
    const described = await client.describe({ name });
    expect(described.lock?.holders.map((h) => [h.permits, h.shared, h.value])).toEqual([[2, false, "v"]]);
    expect(described.lock?.waiters).toEqual([]);
    // A writer holds: a reader that does not wait is refused as busy, and the lease shows its mode.
    expect((await codeOf(client.acquire({ name, shared: true, waitMs: 0n }))).code).toBe(Code.Aborted);
    await client.release({ name, token: lease!.token });
    const reader = await client.acquire({ name, shared: true });
    expect(reader.lease).toMatchObject({ shared: true, permits: 0 });
    await client.release({ name, token: reader.lease!.token });
  });
});
