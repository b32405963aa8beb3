import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { describeRedis, startRedis, type TestRedis } from "../helpers/redis-server.js";
import { startServer, type TestServer } from "../helpers/server.js";

async function probe(url: string, method = "GET"): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const res = await fetch(url, { method });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

describe("/healthz and /readyz", () => {
  it("answer 200 while serving, on the main port and on metricsListen", async () => {
    const server = await startServer({ metricsListen: "127.0.0.1:0" });
    try {
      for (const base of [server.url, server.app.metrics!.url!]) {
        expect(await probe(`${base}/healthz`)).toEqual({ status: 200, body: { status: "ok", store: "memory" } });
        expect(await probe(`${base}/readyz`)).toEqual({ status: 200, body: { status: "ready", store: "memory" } });
        expect(await probe(`${base}/readyz`, "HEAD")).toEqual({ status: 200, body: undefined });
      }
      expect((await fetch(`${server.url}/readyz`, { method: "POST" })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("/readyz answers 503 shutting_down from the moment graceful shutdown begins", async () => {
    const server = await startServer({ metricsListen: "127.0.0.1:0", shutdownGraceMs: 3_000 });
    const probes = server.app.metrics!.url!;
    // A connection in the middle of a request keeps the drain waiting, so shutdown lasts a while.
    const port = Number(new URL(server.url).port);
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET /healthz HTTP/1.1\r\n");
    socket.on("error", () => undefined);
    expect((await probe(`${probes}/readyz`)).status).toBe(200);
    const closed = server.close();
    try {
      expect(await probe(`${probes}/readyz`)).toEqual({ status: 503, body: { status: "not_ready", reason: "shutting_down", store: "memory" } });
      expect((await probe(`${probes}/healthz`)).status).toBe(503);
    } finally {
      socket.destroy();
      await closed;
    }
  });

  it("is durable-aware", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "baton-readyz-"));
    const server = await startServer({ store: `durable:${dir}` });
    try {
      expect(await probe(`${server.url}/readyz`)).toEqual({ status: 200, body: { status: "ready", store: "durable" } });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeRedis(
  "/readyz with a Redis store",
  () => {
    let redis: TestRedis;
    let server: TestServer;
    beforeAll(async () => {
      redis = await startRedis();
      server = await startServer({ store: redis.url });
    });
    afterAll(async () => {
      await server?.close();
      await redis?.dispose();
    });

    it("answers 503 while redis-server is stopped and 200 again once it is back; /healthz stays 200", async () => {
      expect((await probe(`${server.url}/readyz`)).status).toBe(200);
      await redis.stop();
      await eventually(async () => {
        const answer = await probe(`${server.url}/readyz`);
        expect(answer.status).toBe(503);
        expect(["store_unavailable", "store_timeout"]).toContain(answer.body?.reason);
      }, 10_000);
      expect((await probe(`${server.url}/healthz`)).status).toBe(200);
      await redis.start();
      await eventually(async () => expect((await probe(`${server.url}/readyz`)).status).toBe(200), 15_000);
    });
  },
  "server",
);
