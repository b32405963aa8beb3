import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import type { Driver } from "./driver.js";

/**
 * BENCH_CLIENT=connect-unary: one Acquire call and one Release call per cycle with a raw
 * connect-es client over HTTP/2, binary Connect (the figures before the session stream existed).
 * Built against this checkout's generated code, so it has no base column.
 */
export function connectUnaryDriver(url: string): Driver {
  const c: Client<typeof LockService> = createClient(
    LockService,
    // All of a driver's Wait streams share one connection: allow it 100,000 of them.
    createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true, nodeOptions: { maxSessionMemory: 256 } }),
  );
  return {
    async acquire(name, waitMs, onQueued, signal, ttlMs) {
      if (onQueued === undefined) {
        const ttl = ttlMs === undefined ? undefined : BigInt(ttlMs);
        const { lease } = await c.acquire({ name, owner: "bench", waitMs: BigInt(waitMs), ttlMs: ttl }, { signal });
        return lease!.token;
      }
      // Queue positions are only visible on a Wait stream.
      for await (const e of c.wait({ name, owner: "bench" }, { signal })) {
        if (e.event.case === "queued") onQueued(e.event.value.position);
        if (e.event.case === "granted") return e.event.value.token;
      }
      throw new Error("wait ended without a grant");
    },
    async release(name, token) {
      await c.release({ name, token });
    },
    close() {},
  };
}
