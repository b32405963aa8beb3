import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createBatonClient } from "../../src/client/index.js";

// An HTTP/1.1-only server (or proxy) at the client's URL answers the h2c preface with an HTTP/1
// error. connect-node's session manager let the HTTP/2 session's late `error` event go unheard,
// which ended the process; every call must instead fail with one clear `unavailable`.
describe("a client pointed at an HTTP/1.1-only server", () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(404).end("not here"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const calls: Record<string, (client: ReturnType<typeof createBatonClient>) => Promise<unknown>> = {
    describe: (client) => client.describe("x"),
    "acquire, try once": (client) => client.acquire("x", { waitMs: 0 }),
    "acquire, waiting": (client) => client.acquire("x", { waitMs: 1000 }),
    watch: async (client) => {
      for await (const _ of client.watch({ name: "x" })) break;
    },
  };
  for (const transport of ["connect", "grpc"] as const) {
    for (const session of [true, false]) {
      for (const [call, run] of Object.entries(calls)) {
        it(`${call} fails with unavailable, saying why (${transport}, session ${session})`, async () => {
          // One call per client: the first failure on a connection is the one that went unheard.
          const client = createBatonClient(url, { transport, session });
          const failure = await run(client).then(() => undefined, (e: unknown) => e);
          client.close();
          expect(failure).toBeInstanceOf(ConnectError);
          expect((failure as ConnectError).code).toBe(Code.Unavailable);
          expect((failure as ConnectError).rawMessage).toContain("did not answer in HTTP/2");
          // The session's own error event comes a turn after the call failed: let it come.
          await new Promise((resolve) => setTimeout(resolve, 50));
        });
      }
    }
  }
});
