import * as http2 from "node:http2";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { AcquireRequestSchema } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import type { AcquireInput, AcquireResult } from "../../src/store/types.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";

// Issue 10, bugs 4, 5 and 6: huge but valid deadlines, a grant whose answer cannot be delivered,
// and a first TCP segment that is only the start of a word.

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const JSON_HEADERS = { "content-type": "application/json" };

describe("client deadlines beyond Node's timer range", () => {
  it("a connect-timeout-ms of 9,999,999,999 (valid, ~115 days) does not end the call at once", async () => {
    server = await startServer();
    const url = `${server.url}/baton.lock.v1.LockService/Acquire`;
    const held = await fetch(url, { method: "POST", headers: JSON_HEADERS, body: '{"name":"huge-timeout","waitMs":0}' });
    expect(held.status).toBe(200);
    const res = await fetch(url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "connect-timeout-ms": "9999999999" },
      body: '{"name":"huge-timeout","waitMs":300}',
    });
    const body = (await res.json()) as { code: string; details?: Array<{ type: string }> };
    // The request's own wait ran out (WAIT_TIMEOUT after 300 ms), not the call's deadline.
    expect(body.code).toBe("deadline_exceeded");
    expect(JSON.stringify(body)).not.toContain("call's deadline");
  });

  it("a grpc-timeout of 99999999H does not end a gRPC call at once", async () => {
    server = await startServer();
    const client = lockClient("grpc-h2", server.url);
    await client.acquire({ name: "huge-grpc", waitMs: 0n });
    const started = Date.now();
    const error = await new Promise<{ status: string; message: string }>((resolve, reject) => {
      const session = http2.connect(server!.url);
      const stream = session.request({
        ":method": "POST",
        ":path": "/baton.lock.v1.LockService/Acquire",
        "content-type": "application/grpc+proto",
        te: "trailers",
        "grpc-timeout": "99999999H",
      });
      stream.on("trailers", (t) => {
        session.close();
        resolve({ status: String(t["grpc-status"]), message: decodeURIComponent(String(t["grpc-message"] ?? "")) });
      });
      stream.on("error", reject);
      stream.on("data", () => undefined);
      stream.end(encodeEnvelope(0, toBinary(AcquireRequestSchema, create(AcquireRequestSchema, { name: "huge-grpc", waitMs: 300n }))));
    });
    expect(error.status).toBe("4"); // DEADLINE_EXCEEDED from the request's own wait_ms
    expect(error.message).toContain("within 300 ms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});

/** A memory store whose acquire answers late, as a networked store may. */
class LateReplyStore extends MemoryStore {
  override async acquire(input: AcquireInput): Promise<AcquireResult> {
    const result = await super.acquire(input);
    await new Promise((resolve) => setTimeout(resolve, 150));
    return result;
  }
}

describe("a unary Acquire whose answer cannot be delivered", () => {
  it("releases the grant when the client reset the call before the answer was written", async () => {
    server = await startServer({}, { store: new LateReplyStore() });
    const client = lockClient("connect-json-h1", server.url);
    for (let i = 0; i < 5; i++) {
      const name = `undelivered/${i}`;
      const session = http2.connect(server.url);
      const stream = session.request({ ":method": "POST", ":path": "/baton.lock.v1.LockService/Acquire", "content-type": "application/json" });
      stream.on("error", () => undefined);
      stream.end(JSON.stringify({ name, owner: "quitter", waitMs: 0 }));
      // The store has granted (the state changed at once) but has not answered yet...
      await eventually(async () => expect((await client.describe({ name })).lock?.holders.map((h) => h.owner)).toEqual(["quitter"]));
      // ...when the client gives up. The answer can no longer be delivered, so the grant goes back.
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await eventually(async () => expect((await client.describe({ name })).lock?.holders).toEqual([]), 3000);
      session.close();
    }
  });
});

describe("the one-port listener", () => {
  it("waits for more than a first segment of just 'P' before choosing HTTP/2", async () => {
    server = await startServer();
    const port = Number(new URL(server.url).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      let text = "";
      socket.on("data", (c: Buffer) => (text += c.toString()));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
      socket.write("P");
      setTimeout(() => socket.write("OST /healthz HTTP/1.1\r\nHost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"), 100);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 (200|404|405)/);
  });
});
