import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { LockService } from "../src/gen/baton/lock/v1/lock_service_pb.js";
import { createBatonClient, type BatonClient } from "../src/client/index.js";

/** How the benchmark talks to Baton: one lease-taking client. */
export interface Driver {
  /** Takes a permit, waiting up to `waitMs` (0: try once); resolves with the lease's token. */
  acquire(name: string, waitMs: number, onQueued?: (position: number) => void, signal?: AbortSignal, ttlMs?: number): Promise<string>;
  release(name: string, token: string): Promise<void>;
  close(): void;
}

/**
 * `unary`: one Acquire call and one Release call per cycle with a raw connect-es client over
 * HTTP/2 (the figures before the session stream existed). `client`: the TypeScript client over
 * HTTP/2, which uses the session stream where the server has one.
 */
export type DriverKind = "unary" | "client";

/** A new client of kind `kind` for the server at `url`; each has its own HTTP/2 connection. */
export function driver(kind: DriverKind, url: string): Driver {
  return kind === "unary" ? unaryDriver(url) : clientDriver(createBatonClient(url, { httpVersion: "2", owner: "bench" }));
}

function unaryDriver(url: string): Driver {
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

function clientDriver(c: BatonClient): Driver {
  return {
    async acquire(name, waitMs, onQueued, signal, ttlMs) {
      const lease = await c.acquire(name, {
        waitMs: waitMs === 0 ? 0 : waitMs,
        ttlMs,
        signal,
        onQueued: onQueued ? (e) => onQueued(e.position) : undefined,
      });
      return lease.token;
    },
    async release(name, token) {
      await c.release({ name, token });
    },
    close: () => c.close(),
  };
}
