import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";
import { rendezvousClient, uniqueKey } from "./rendezvous-client.js";

const WAITERS = 1000;

/**
 * Signal fan-out to 1,000 waiting streams on the memory store, over one HTTP/2 connection.
 * The latencies are printed, never asserted (the machine is shared); what is asserted is that
 * every waiter got the signal and its payload.
 */
describe("signal fan-out to 1,000 waiters (memory store)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("wakes every waiter, and prints how long it took", async () => {
    const client = rendezvousClient(server.url, "2");
    const key = uniqueKey("fanout");
    const received: number[] = [];
    const payloads = new Set<string>();
    let sentAt = 0;
    const streams = Array.from({ length: WAITERS }, async () => {
      for await (const m of client.wait({ key, owner: "fanout" })) {
        if (m.event.case === "signaled") {
          received.push(performance.now() - sentAt);
          payloads.add(m.event.value.payload);
        }
      }
    });
    await eventually(() => expect(server.app.rendezvous.waiterCount).toBe(WAITERS), 20_000);
    const openedAt = performance.now();
    sentAt = performance.now();
    const result = await client.signal({ key, payload: "go" });
    const answeredMs = performance.now() - sentAt;
    await Promise.all(streams);
    expect(result.woken).toBe(WAITERS);
    expect(received).toHaveLength(WAITERS);
    expect([...payloads]).toEqual(["go"]);

    const sorted = [...received].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
    console.log(
      `\n[fan-out] ${WAITERS} waiters on one key, memory store, one h2 connection, client in the same process:\n` +
        `[fan-out]   Signal answered after ${answeredMs.toFixed(1)} ms; waiters woken (signal sent → signal received): ` +
        `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, last ${sorted.at(-1)!.toFixed(1)} ms (measured at ${new Date(openedAt + performance.timeOrigin).toISOString()})\n`,
    );
  });
});
