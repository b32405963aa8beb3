import * as grpc from "@grpc/grpc-js";
import { binary, lockPath } from "../api.js";
import { CallError, type AcquireArgs, type Grant, type LockClient } from "./types.js";

const passBytes = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** grpc-js status as a Connect code name (the two share names): 14 → "unavailable". */
export function grpcCodeName(code: grpc.status): string {
  return (grpc.status[code] ?? "UNKNOWN").toLowerCase();
}

/**
 * Plain gRPC over HTTP/2 with @grpc/grpc-js: not built on connect-es, it frames, times out
 * (`grpc-timeout`) and cancels (RST_STREAM) the way Go and Python gRPC clients do.
 */
export class GrpcLockClient implements LockClient {
  readonly kind = "grpc-js";
  readonly client: grpc.Client;

  constructor(url: string) {
    // Reconnect quickly after a server dies: the suite measures the server's recovery, not
    // grpc-js's default backoff (1 s growing to 2 min), which a user tunes the same way.
    this.client = new grpc.Client(new URL(url).host, grpc.credentials.createInsecure(), {
      "grpc.enable_retries": 0,
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
    });
  }

  /** Starts an Acquire and returns the call, so a caller can cancel it at a moment of its choosing. */
  startAcquire(lock: string, args: AcquireArgs, done: (error: CallError | undefined, grant?: Grant) => void): grpc.ClientUnaryCall {
    const request = binary.acquireRequest({ name: lock, owner: args.owner, ttlMs: BigInt(args.ttlMs), waitMs: BigInt(args.waitMs) });
    return this.client.makeUnaryRequest(
      lockPath("Acquire"),
      (r: Uint8Array) => passBytes(r),
      (b: Buffer) => binary.acquireLease(b),
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + args.waitMs + 10_000 },
      (error, lease) => {
        if (error) return done(new CallError(grpcCodeName(error.code), error.details));
        if (lease === undefined) return done(new CallError("internal", "an Acquire answer without a lease"));
        done(undefined, lease);
      },
    );
  }

  acquire(lock: string, args: AcquireArgs, signal?: AbortSignal): Promise<Grant> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = this.startAcquire(lock, args, (error, grant) => {
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve(grant!);
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  release(lock: string, token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        lockPath("Release"),
        (r: Uint8Array) => passBytes(r),
        (b: Buffer) => b,
        binary.releaseRequest({ name: lock, token }),
        new grpc.Metadata(),
        { deadline: Date.now() + 10_000 },
        (error) => (error ? reject(new CallError(grpcCodeName(error.code), error.details)) : resolve()),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
