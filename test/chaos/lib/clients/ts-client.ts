import { Code, ConnectError } from "@connectrpc/connect";
import { createBatonClient, type BatonClient } from "../../../../src/client/index.js";
import { CallError, type AcquireArgs, type Grant, type LockClient } from "./types.js";

/** A Connect code as its protocol name: Code.DeadlineExceeded → "deadline_exceeded". */
export function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "_") + c.toLowerCase());
}

/** Any error of the Connect stack as a CallError. */
export function toCallError(error: unknown): CallError {
  if (error instanceof CallError) return error;
  if (error instanceof ConnectError) return new CallError(codeName(error.code), error.rawMessage);
  const errno = (error as { code?: unknown }).code;
  return new CallError(typeof errno === "string" ? `net:${errno}` : "unknown", String(error));
}

/**
 * The project's TypeScript client (src/client): over HTTP/2 its acquires ride a Session stream
 * (leases belong to the session); over HTTP/1.1 they are unary calls plus a Wait stream.
 */
export class TsLockClient implements LockClient {
  readonly kind: string;
  private readonly client: BatonClient;

  constructor(
    url: string,
    httpVersion: "1.1" | "2",
    /** The server's session TTL, if known: see WorkerSpec.sessionTtlMs. */
    private readonly sessionTtlMs?: number,
  ) {
    this.kind = httpVersion === "2" ? "ts-session-h2" : "ts-h1";
    this.client = createBatonClient(url, { httpVersion });
  }

  async acquire(lock: string, args: AcquireArgs, signal?: AbortSignal): Promise<Grant> {
    const sentAt = Date.now();
    try {
      const lease = await this.client.acquire(lock, { owner: args.owner, ttlMs: args.ttlMs, waitMs: args.waitMs, signal });
      const sessionEnd = this.sessionTtlMs === undefined ? Number.POSITIVE_INFINITY : sentAt + this.sessionTtlMs;
      return { fencing: lease.fencing, token: lease.token, expiresAt: Math.min(lease.expiresAt.getTime(), sessionEnd) };
    } catch (error) {
      throw toCallError(error);
    }
  }

  async release(lock: string, token: string): Promise<void> {
    try {
      await this.client.release({ name: lock, token });
    } catch (error) {
      throw toCallError(error);
    }
  }

  close(): void {
    this.client.close();
  }
}
