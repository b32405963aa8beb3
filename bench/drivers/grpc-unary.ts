import { existsSync } from "node:fs";
import { join } from "node:path";
import { call, loadService } from "./grpc-call.js";
import type { Driver, DriverFactory } from "./driver.js";

/**
 * BENCH_CLIENT=grpc: plain gRPC unary calls with @grpc/grpc-js, what a Go, Python or Java user
 * gets from generated stubs: one Acquire and one Release call per cycle. The service is loaded
 * from the build's own .proto files, so the base is called by its own method paths
 * (`/baton.v1.LockService/…` before the proto moved, `/baton.lock.v1.LockService/…` now).
 */
export function grpcUnaryDrivers(buildDir: string, url: (i: number) => string): DriverFactory {
  const proto = join(buildDir, "proto");
  const now = existsSync(join(proto, "baton/lock/v1/lock_service.proto"));
  const connect = now
    ? loadService(proto, ["baton/lock/v1/lock_service.proto"], "baton.lock.v1.LockService")
    : loadService(proto, ["baton/v1/lock.proto"], "baton.v1.LockService");
  return (i) => {
    const client = connect(new URL(url(i)).host);
    return {
      async acquire(name, waitMs, onQueued, _signal, ttlMs) {
        if (onQueued !== undefined) throw new Error("the plain gRPC driver does not watch queue positions");
        const response = await call<{ lease?: { token: string } }>(client, "Acquire", { name, owner: "bench", waitMs, ttlMs });
        return response.lease!.token;
      },
      async release(name, token) {
        await call(client, "Release", { name, token });
      },
      close: () => client.close(),
    } satisfies Driver;
  };
}
