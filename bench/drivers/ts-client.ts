import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Driver, DriverFactory } from "./driver.js";

/** The part of a build's `createBatonClient` the bench uses (the same in the base and now). */
interface BuildClient {
  acquire(name: string, options: { waitMs?: number; ttlMs?: number; signal?: AbortSignal; onQueued?: (e: { position: number }) => void }): Promise<{ token: string }>;
  release(lease: { name: string; token: string }): Promise<unknown>;
  close(): void;
}
type CreateClient = (url: string, options: { httpVersion: "2"; transport: "connect" | "grpc"; owner: string }) => BuildClient;

/**
 * The TypeScript client of one build (its compiled `dist/client`, with that build's own
 * node_modules), over HTTP/2, where acquire and release ride its Session stream: binary
 * Connect (`ts`) or gRPC (`ts-grpc`). Loading each build's own client is what makes "the
 * TypeScript client against the previous main" a comparison of both ends.
 */
export async function tsClientDrivers(buildDir: string, url: (i: number) => string, transport: "connect" | "grpc"): Promise<DriverFactory> {
  const module = (await import(pathToFileURL(join(buildDir, "dist/client/index.js")).href)) as { createBatonClient: CreateClient };
  return (i) => wrap(module.createBatonClient(url(i), { httpVersion: "2", transport, owner: "bench" }));
}

function wrap(c: BuildClient): Driver {
  return {
    async acquire(name, waitMs, onQueued, signal, ttlMs) {
      const lease = await c.acquire(name, { waitMs, ttlMs, signal, onQueued: onQueued ? (e) => onQueued(e.position) : undefined });
      return lease.token;
    },
    async release(name, token) {
      await c.release({ name, token });
    },
    close: () => c.close(),
  };
}
