import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Code, ConnectError } from "@connectrpc/connect";
import { startServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";

/** Consumes a stream in the background; resolves with the error it ended with, if any. */
function drainStream(stream: AsyncIterable<{ event: { case: string | undefined } }>, seen: string[]): Promise<unknown> {
  return (async () => {
    try {
      for await (const e of stream) seen.push(e.event.case ?? "");
      return undefined;
    } catch (error) {
      return error;
    }
  })();
}

describe("graceful shutdown", () => {
  it("ends open streams with unavailable and releases hold-on-stream leases (in process)", async () => {
    const server = await startServer();
    const client = lockClient("grpc-h2", server.url);
    const held: string[] = [];
    const holder = drainStream(client.wait({ name: "sd", hold: true }), held);
    await eventually(() => expect(held).toEqual(["granted"]));
    const queued: string[] = [];
    const waiter = drainStream(client.wait({ name: "sd" }), queued);
    await eventually(() => expect(queued).toEqual(["queued"]));
    await server.close();
    for (const ended of [await holder, await waiter]) {
      expect(ended).toBeInstanceOf(ConnectError);
      expect((ended as ConnectError).code).toBe(Code.Unavailable);
      expect((ended as ConnectError).rawMessage).toContain("shutting down");
    }
    const lock = await server.app.store.describe("sd");
    expect(lock.holders).toEqual([]);
    expect(lock.waiters).toEqual([]);
  });

  it("exits 0 on SIGTERM with streams open, telling them why", async () => {
    const child = spawn(process.execPath, ["bin/baton.js", "serve", "--port", "0", "--store", "memory"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await eventually(() => expect(stderr).toMatch(/serving on (http:\/\/\S+)/), 15_000);
    const url = /serving on (http:\/\/\S+)/.exec(stderr)![1]!;
    const client = lockClient("connect-binary-h2", url);
    const held: string[] = [];
    const holder = drainStream(client.wait({ name: "sig", hold: true }), held);
    await eventually(() => expect(held).toEqual(["granted"]));
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
    const ended = await holder;
    expect((ended as ConnectError).code).toBe(Code.Unavailable);
    expect(stderr).toContain("SIGTERM received");
  });
});
