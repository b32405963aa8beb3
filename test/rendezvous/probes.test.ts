import * as http from "node:http";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import type { WaitReadyResponse } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { collect, rendezvousClient } from "./rendezvous-client.js";

/** A port nothing listens on right now (bound, read, released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Reads a WaitReady stream, calling `onFailed` after each failed attempt (to change the world mid-wait). */
async function readProbe(stream: AsyncIterable<WaitReadyResponse>, onFailed: (attempt: number) => Promise<void> | void) {
  const failures: string[] = [];
  let ready: string | undefined;
  let error: unknown;
  try {
    for await (const m of stream) {
      if (m.event.case === "failed") {
        failures.push(m.event.value.error);
        await onFailed(m.event.value.attempt);
      } else if (m.event.case === "ready") ready = m.event.value.detail;
    }
  } catch (e) {
    error = e;
  }
  return { failures, ready, error };
}

describe("RendezvousService WaitReady over real sockets", () => {
  let server: TestServer;
  let client: ReturnType<typeof rendezvousClient>;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    server = await startServer();
    client = rendezvousClient(server.url);
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await server.close();
  });

  it("waits for a TCP port that starts listening mid-wait, streaming each refused attempt", async () => {
    const port = await freePort();
    const listener = net.createServer((socket) => socket.destroy());
    cleanups.push(() => new Promise((resolve) => listener.close(resolve)));
    const result = await readProbe(
      client.waitReady({ probe: { case: "tcp", value: { host: "127.0.0.1", port } }, intervalMs: 50n, waitMs: 20_000n }),
      async (attempt) => {
        if (attempt === 2) await new Promise<void>((resolve) => listener.listen(port, "127.0.0.1", resolve));
      },
    );
    expect(result.error).toBeUndefined();
    expect(result.failures.length).toBeGreaterThanOrEqual(2);
    expect(result.failures[0]).toContain("ECONNREFUSED");
    expect(result.ready).toContain(`127.0.0.1:${port}`);
  });

  it("an HTTP probe waits for a 2xx (or the expected status) and reports the statuses it saw", async () => {
    let status = 503;
    const web = http.createServer((_req, res) => res.writeHead(status).end("body"));
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => web.close(resolve)));
    const url = `http://localhost:${(web.address() as net.AddressInfo).port}/health`;
    const result = await readProbe(client.waitReady({ probe: { case: "http", value: { url } }, intervalMs: 50n }), (attempt) => {
      if (attempt === 2) status = 200;
    });
    expect(result.error).toBeUndefined();
    expect(result.failures.slice(0, 2).every((f) => f.startsWith("HTTP 503"))).toBe(true);
    expect(result.ready).toBe("HTTP 200");

    status = 200;
    const teapot = await readProbe(
      client.waitReady({ probe: { case: "http", value: { url, expectStatus: 418 } }, intervalMs: 50n }),
      (attempt) => {
        if (attempt === 1) status = 418;
      },
    );
    expect(teapot.failures[0]).toContain("HTTP 200");
    expect(teapot.ready).toBe("HTTP 418");
  });

  it("gives up at the timeout with deadline_exceeded naming the last error", async () => {
    const port = await freePort();
    const result = await readProbe(
      client.waitReady({ probe: { case: "tcp", value: { host: "localhost", port } }, intervalMs: 50n, waitMs: 300n }),
      () => undefined,
    );
    expect(result.ready).toBeUndefined();
    expect(ConnectError.from(result.error).code).toBe(Code.DeadlineExceeded);
    expect(ConnectError.from(result.error).rawMessage).toMatch(/not ready within 300 ms; last error: .*ECONNREFUSED/);
  });

  it("refuses probe targets outside the allowlist with permission_denied and the reason", async () => {
    const targets = [
      { case: "tcp" as const, value: { host: "10.1.2.3", port: 5432 } },
      { case: "tcp" as const, value: { host: "localtest.me", port: 80 } },
      { case: "tcp" as const, value: { host: "2130706433", port: 80 } },
      { case: "http" as const, value: { url: "http://169.254.169.254/latest/meta-data/" } },
      { case: "http" as const, value: { url: "https://example.com/" } },
    ];
    for (const probe of targets) {
      const { messages, error } = await collect(client.waitReady({ probe }));
      expect(messages).toEqual([]);
      expect(ConnectError.from(error).code).toBe(Code.PermissionDenied);
      expect(ConnectError.from(error).rawMessage).toContain("probe allowlist");
    }
  });

  it("refuses malformed probes with invalid_argument", async () => {
    const bad = [
      { probe: { case: undefined } },
      { probe: { case: "tcp" as const, value: { host: "127.0.0.1", port: 0 } } },
      { probe: { case: "tcp" as const, value: { host: "bad host", port: 80 } } },
      { probe: { case: "postgres" as const, value: { database: 'x"; DROP DATABASE y; --' } } },
      { probe: { case: "postgres" as const, value: { database: "" } } },
      { probe: { case: "http" as const, value: { url: "ftp://127.0.0.1/" } } },
      { probe: { case: "http" as const, value: { url: "not a url" } } },
      { probe: { case: "http" as const, value: { url: "http://user:pw@127.0.0.1/" } } },
      { probe: { case: "tcp" as const, value: { host: "127.0.0.1", port: 80 } }, intervalMs: 1n },
      { probe: { case: "tcp" as const, value: { host: "127.0.0.1", port: 80 } }, waitMs: -1n },
    ];
    for (const req of bad) {
      const { error } = await collect(client.waitReady(req));
      expect(ConnectError.from(error).code, JSON.stringify(req, (_k, v) => (typeof v === "bigint" ? String(v) : v))).toBe(
        Code.InvalidArgument,
      );
    }
  });
});
