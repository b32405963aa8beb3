import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { startServer } from "../helpers/server.js";
import { collect, rendezvousClient, uniqueKey } from "./rendezvous-client.js";

describe("rendezvous streams on shutdown", () => {
  it("Wait, Subscribe, Arrive and WaitReady streams end with unavailable when the server shuts down", async () => {
    const server = await startServer();
    const client = rendezvousClient(server.url);
    const key = uniqueKey("shutdown");
    const opened = [
      client.wait({ key }),
      client.subscribe({ prefix: key }),
      client.arrive({ key, parties: 5 }),
      client.waitReady({ probe: { case: "tcp", value: { host: "127.0.0.1", port: 1 } }, intervalMs: 60_000n }),
    ].map(async (stream: AsyncIterable<unknown>) => {
      const it = stream[Symbol.asyncIterator]();
      await it.next();
      // Wrapped: an async function returning the bare promise would wait for the stream's end.
      return { rest: collect({ [Symbol.asyncIterator]: () => it }) };
    });
    const reading = await Promise.all(opened);
    await server.close();
    for (const { rest } of reading) {
      const { error } = await rest;
      expect(ConnectError.from(error).code).toBe(Code.Unavailable);
      expect(ConnectError.from(error).rawMessage).toContain("shutting down");
    }
  });
});
