import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatonClient, type WaitEvent } from "../../src/client/index.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { LockEngine } from "../../src/engine/lock-engine.js";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { lockService } from "../../src/server/lock-service.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { eventually } from "../helpers/eventually.js";

/**
 * A real h2c server (the real service, engine and store) that allows only 2 concurrent streams
 * per connection, as a proxy might: Node's http2 client queues further streams silently.
 */
describe("HTTP/2 client against a server that caps concurrent streams at 2", () => {
  const store = new MemoryStore();
  const engine = new LockEngine(store, DEFAULT_CONFIG, () => undefined);
  const server = http2.createServer(
    { settings: { maxConcurrentStreams: 2 } },
    connectNodeAdapter({ routes: (router) => router.service(LockService, lockService(engine, () => undefined)) }),
  );
  let url = "";

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await engine.close();
    await store.close();
    await new Promise((resolve) => server.close(resolve));
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
