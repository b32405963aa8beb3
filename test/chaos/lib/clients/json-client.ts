import * as http from "node:http";
import { lockPath, type AcquireJson, type LeaseJson } from "../api.js";
import { CallError, type AcquireArgs, type Grant, type LockClient } from "./types.js";

/**
 * Connect's JSON protocol over HTTP/1.1 by hand, as curl or any HTTP library speaks it: one
 * POST per call on a keep-alive agent, errors read from the JSON body (`{code, message}`).
 */
export class JsonLockClient implements LockClient {
  readonly kind = "connect-json-h1";
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly url: string) {}

  async acquire(lock: string, args: AcquireArgs, signal?: AbortSignal): Promise<Grant> {
    const body: AcquireJson = { name: lock, owner: args.owner, ttlMs: String(args.ttlMs), waitMs: String(args.waitMs) };
    const reply = (await this.post(lockPath("Acquire"), body, args.waitMs + 10_000, signal)) as { lease?: LeaseJson };
    const lease = reply.lease;
    if (lease === undefined) throw new CallError("internal", "an Acquire answer without a lease");
    return { fencing: BigInt(lease.fencing), token: lease.token, expiresAt: Date.parse(lease.expiresAt) };
  }

  async release(lock: string, token: string): Promise<void> {
    await this.post(lockPath("Release"), { name: lock, token }, 10_000);
  }

  close(): void {
    this.agent.destroy();
  }

  /** POSTs JSON; resolves with the parsed answer, rejects with a CallError. */
  post(path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.url}${path}`,
        { method: "POST", agent: this.agent, signal, headers: { "content-type": "application/json", "content-length": payload.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) => reject(new CallError(`net:${(e as NodeJS.ErrnoException).code ?? "aborted"}`, e.message)));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            let json: { code?: string; message?: string } | undefined;
            try {
              json = JSON.parse(text) as typeof json;
            } catch {
              json = undefined;
            }
            if (res.statusCode === 200 && json !== undefined) resolve(json);
            else reject(new CallError(json?.code ?? `http-${res.statusCode}`, json?.message ?? text.slice(0, 200)));
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("client timeout"), { code: "TIMEOUT" })));
      req.on("error", (e: NodeJS.ErrnoException) => reject(new CallError(e.name === "AbortError" ? "canceled" : `net:${e.code ?? "error"}`, e.message)));
      req.end(payload);
    });
  }
}
