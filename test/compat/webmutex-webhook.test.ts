import { createHmac } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

const SECRET = "test-secret-0123456789";

/** A webhook receiver that answers each delivery with the next status of `script` (the last repeats). */
class Receiver {
  readonly deliveries: { body: string; signature: string; attempt: string; delivery: string }[] = [];
  private readonly server: http.Server;
  url = "";

  constructor(private readonly script: number[]) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.deliveries.push({
          body: Buffer.concat(chunks).toString(),
          signature: String(req.headers["x-baton-signature"]),
          attempt: String(req.headers["x-baton-attempt"]),
          delivery: String(req.headers["x-baton-delivery"]),
        });
        const status = this.script[Math.min(this.deliveries.length - 1, this.script.length - 1)] ?? 200;
        // 0 in the script: never answer, like an endpoint that hangs.
        if (status !== 0) res.writeHead(status).end();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let server: CompatServer;
let receiver: Receiver;
afterEach(async () => {
  await server?.close();
  await receiver?.close();
});

async function setup(script: number[]): Promise<void> {
  receiver = new Receiver(script);
  const base = await receiver.start();
  server = await startCompatServer({
    compat: {
      webmutex: {
        webhook: { secret: SECRET, allow: [`${base}/hooks/`], attempts: 3, initialBackoff: "10ms", maxBackoff: "40ms", attemptTimeout: "2s" },
      },
    },
  });
}

async function post(path: string, fields: Record<string, string>): Promise<[number, Record<string, unknown>]> {
  const response = await fetch(`${server.url}/webmutex${path}`, { method: "POST", body: new URLSearchParams(fields) });
  return [response.status, (await response.json()) as Record<string, unknown>];
}

describe("WebMutex subscribe_and_grab", () => {
  it("queues the subscriber and POSTs the signed grant to its endpoint when the holder releases", async () => {
    await setup([200]);
    const [, { id }] = await post("/reserve", {});
    const [, grab] = await post("/grab", { id: id as string });
    const [status, subscribed] = await post("/subscribe_and_grab", { id: id as string, endpoint: `${receiver.url}/hooks/ci` });
    expect([status, subscribed]).toEqual([200, { id, status: "ok", position: 1 }]);
    expect(receiver.deliveries).toEqual([]);
    expect((await server.engine.describe(id as string)).waiters).toHaveLength(1);

    await post("/release", { id: id as string, token: grab.token as string });
    await eventually(() => expect(receiver.deliveries).toHaveLength(1));
    const [delivery] = receiver.deliveries;
    const body = JSON.parse(delivery!.body) as Record<string, string>;
    expect(body).toMatchObject({ id, status: "ok" });
    expect(delivery!.signature).toBe("sha256=" + createHmac("sha256", SECRET).update(delivery!.body).digest("hex"));
    expect(delivery!.signature).not.toBe("sha256=" + createHmac("sha256", "another-secret").update(delivery!.body).digest("hex"));
    // The delivered token is the holder's: it shows in Connect and releases through WebMutex.
    const holders = (await lockClient("connect-json-h1", server.url).describe({ name: id as string })).lock!.holders;
    expect(holders.map((h) => h.fencing.toString())).toEqual([body.fencing]);
    expect(await post("/release", { id: id as string, token: body.token! })).toEqual([200, { id, status: "ok" }]);
  });

  it("delivers at once when the mutex is free, and retries with backoff until the endpoint accepts", async () => {
    await setup([503, 500, 204]);
    const [, { id }] = await post("/reserve", {});
    expect(await post("/subscribe_and_grab", { id: id as string, endpoint: `${receiver.url}/hooks/` })).toEqual([
      200,
      { id, status: "ok", position: 0 },
    ]);
    await eventually(() => expect(receiver.deliveries).toHaveLength(3));
    expect(receiver.deliveries.map((d) => d.attempt)).toEqual(["1", "2", "3"]);
    // One delivery, retried: the same body and delivery id each time.
    expect(new Set(receiver.deliveries.map((d) => d.body + d.delivery)).size).toBe(1);
    // The token is the WebMutex token of the lease (its secret, then its fencing in hex).
    const token = (JSON.parse(receiver.deliveries[2]!.body) as { token: string }).token;
    const lock = await server.engine.describe(id as string);
    expect(lock.holders.map((h) => h.token + h.fencing.toString(16))).toEqual([token]);
  });

  it("releases the grant when the endpoint never accepts it, so the next waiter gets it", async () => {
    await setup([500]);
    const [, { id }] = await post("/reserve", {});
    const [, grab] = await post("/grab", { id: id as string });
    await post("/subscribe_and_grab", { id: id as string, endpoint: `${receiver.url}/hooks/x` });
    const client = lockClient("connect-json-h1", server.url);
    const next = client.acquire({ name: id as string, owner: "next-in-line", waitMs: 20_000n });
    await eventually(async () => expect((await server.engine.describe(id as string)).waiters).toHaveLength(2));
    await post("/release", { id: id as string, token: grab.token as string });
    const { lease } = await next;
    expect(lease!.owner).toBe("next-in-line");
    expect(receiver.deliveries).toHaveLength(3);
    expect(server.logs.some((l) => l.includes("never accepted the grant"))).toBe(true);
  });

  it("releases a grant whose delivery is still in flight when the layer shuts down", async () => {
    await setup([0]);
    const [, { id }] = await post("/reserve", {});
    await post("/subscribe_and_grab", { id: id as string, endpoint: `${receiver.url}/hooks/` });
    await eventually(() => expect(receiver.deliveries).toHaveLength(1));
    expect((await server.engine.describe(id as string)).holders).toHaveLength(1);
    await server.compat.close();
    expect((await server.engine.describe(id as string)).holders).toEqual([]);
  });

  it("refuses endpoints outside the allowlist, and everything when no allowlist is configured", async () => {
    await setup([200]);
    const [, { id }] = await post("/reserve", {});
    for (const endpoint of [
      "http://evil.example.com/hooks/",
      `${receiver.url}/other`,
      `${receiver.url}/hooksevil`,
      `https://${receiver.url.slice("http://".length)}/hooks/`,
      "not a url",
      "file:///etc/passwd",
    ]) {
      const [status, body] = await post("/subscribe_and_grab", { id: id as string, endpoint });
      expect([endpoint, status, body.status]).toEqual([endpoint, 403, "fail"]);
    }
    const [, refused] = await post("/subscribe_and_grab", { id: id as string, endpoint: "http://evil.example.com/hooks/" });
    expect(refused.error).toMatch(/not in the webhook allowlist/);
    expect((await server.engine.describe(id as string)).waiters).toEqual([]);
    expect((await post("/subscribe_and_grab", { id: id as string }))[0]).toBe(400);

    await server.close();
    server = await startCompatServer();
    const [, other] = await post("/reserve", {});
    const [status, body] = await post("/subscribe_and_grab", { id: other.id as string, endpoint: `${receiver.url}/hooks/` });
    expect([status, body.error]).toEqual([403, expect.stringMatching(/not enabled/)]);
  });
});
