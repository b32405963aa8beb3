import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { collect, uniqueKey } from "./rendezvous-client.js";

const TRANSPORTS: Record<string, (baseUrl: string) => Transport> = {
  "connect json h1": (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" }),
  "connect binary h2": (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true }),
  "grpc h2": (baseUrl) => createGrpcTransport({ baseUrl }),
  "grpc-web h1": (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
};

describe("RendezvousService on every protocol of the one port", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ rendezvousHeartbeatMs: 50 });
  });
  afterAll(async () => {
    await server.close();
  });

  for (const [name, make] of Object.entries(TRANSPORTS)) {
    it(`${name}: a Wait stream is woken by a Signal, and errors keep their code`, async () => {
      const client = createClient(RendezvousService, make(server.url));
      const key = uniqueKey(name.replace(/ /g, "-"));
      const it = client.wait({ key })[Symbol.asyncIterator]();
      expect((await it.next()).value?.event.case).toBe("waiting");
      expect((await client.signal({ key, payload: name })).woken).toBe(1);
      const { messages } = await collect({ [Symbol.asyncIterator]: () => it });
      const last = messages.at(-1);
      expect(last?.event.case === "signaled" && last.event.value.payload).toBe(name);
      const { error } = await collect(client.wait({ key: "bad key" }));
      expect(String(error)).toContain("invalid_argument");
    });
  }
});
