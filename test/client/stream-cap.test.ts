import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatonClient, type WaitEvent } from "../../src/client/index.js";
import { eventually } from "../helpers/eventually.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * A real h2c server (the real service, engine and store) that allows only 2 concurrent streams
 * per connection, as a proxy might: Node's http2 client queues further streams silently.
 */
describe("HTTP/2 client against a server that caps concurrent streams at 2", () => {
  let server: TestServer;
  let url = "";

  beforeAll(async () => {
    server = await startServer({ maxStreamsPerConnection: 2 });
    url = server.url;
  });
  afterAll(async () => {
    await server.close();
  });

  it("puts every Wait stream on the wire and still answers unary calls while they are open", async () => {
    const client = createBatonClient(url, { httpVersion: "2", owner: "capped" });
    const controller = new AbortController();
    try {
      const held = await client.acquire("capped");
      const waits = Array.from({ length: 5 }, (_, i) => {
        const events: WaitEvent[] = [];
        const done = (async () => {
          for await (const e of client.wait("capped", { owner: `w${i}`, signal: controller.signal })) events.push(e);
        })().catch(() => undefined);
        return { events, done };
      });
      // All five reached the server's queue, though one connection carries only two streams.
      await eventually(() => expect(waits.every((w) => w.events.length > 0)).toBe(true), 5_000);
      const described = await client.describe("capped", { timeoutMs: 5_000 });
      expect(described.waiters).toHaveLength(5);
      await client.release(held);
      await eventually(() => expect(waits.filter((w) => w.events.at(-1)?.type === "granted")).toHaveLength(1));
    } finally {
      controller.abort();
      client.close();
    }
  });
});
