import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createBatonClient } from "../../src/client/index.js";

// connect-node reports a connection cut in the middle of a response as `aborted`, the code a
// Baton server answers for a held lock. The client must call it `unavailable`, for unary calls
// and for streams, whose error only surfaces while their messages are read.
describe("a connection cut while the server answers", () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const streaming = (req.headers["content-type"] ?? "").startsWith("application/connect+");
      res.writeHead(200, { "content-type": streaming ? "application/connect+proto" : "application/proto" });
      // Headers out, body cut short: what a server killed mid-answer leaves behind.
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const calls: Record<string, (client: ReturnType<typeof createBatonClient>) => Promise<unknown>> = {
    "a unary call": (client) => client.describe("x"),
    "a stream": async (client) => {
      for await (const _ of client.watch({ name: "x" })) break;
    },
    "a waiting acquire's stream": async (client) => {
      for await (const _ of client.wait("x", { waitMs: 5000 })) break;
    },
  };
  for (const [call, run] of Object.entries(calls)) {
    it(`${call} fails with unavailable, never aborted`, async () => {
      const client = createBatonClient(url, { httpVersion: "1.1", session: false });
      const failure = await run(client).then(() => undefined, (e: unknown) => e);
      client.close();
      expect(failure).toBeInstanceOf(ConnectError);
      expect((failure as ConnectError).code).toBe(Code.Unavailable);
      expect((failure as ConnectError).rawMessage).toContain("connection to the server broke");
    });
  }
});
