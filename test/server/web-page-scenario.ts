import { setMaxListeners } from "node:events";
import { createServer } from "node:net";
import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { SessionRequestSchema, type SessionRequest } from "../../src/gen/baton/lock/v1/session_pb.js";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";

/**
 * Real clients that put each kind of object the live page shows on a server: held locks with
 * queues, set and waited-for keys, barriers, timeouts, readiness waits and sessions. Every
 * stream it opens ends with `close()`. Used by the page's browser tests and by
 * `npm run docs:screenshot`.
 */
export class Scenario {
  readonly locks: Client<typeof LockService>;
  readonly rendezvous: Client<typeof RendezvousService>;
  private readonly controller = new AbortController();
  private readonly running: Array<Promise<unknown>> = [];

  constructor(baseUrl: string) {
    // Every stream of the scenario listens to this one signal.
    setMaxListeners(0, this.controller.signal);
    const h1 = createConnectTransport({ baseUrl, httpVersion: "1.1" });
    this.locks = createClient(LockService, h1);
    this.rendezvous = createClient(RendezvousService, h1);
    this.h2 = createClient(LockService, createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true }));
  }

  private readonly h2: Client<typeof LockService>;

  /** Takes a permit now; resolves with the lease's token. */
  async hold(name: string, owner: string, options: { ttlMs?: number; limit?: number; shared?: boolean; permits?: number; value?: string } = {}): Promise<string> {
    const { shared = false, permits, value = "" } = options;
    const answer = await this.locks.acquire({ name, owner, ttlMs: BigInt(options.ttlMs ?? 120_000), limit: options.limit, waitMs: 0n, shared, permits, value });
    return answer.lease!.token;
  }

  /** Queues for a lock on a Wait stream that holds the lease once granted; resolves once queued. */
  async queue(name: string, owner: string): Promise<void> {
    let queued!: () => void;
    const joined = new Promise<void>((resolve) => (queued = resolve));
    this.keep(
      (async () => {
        for await (const event of this.locks.wait({ name, owner, hold: true }, { signal: this.controller.signal })) {
          if (event.event.case === "queued" || event.event.case === "granted") queued();
        }
      })(),
    );
    await joined;
  }

  /** Sets a key. */
  async signal(key: string, owner: string, payload = "", ttlMs?: number): Promise<void> {
    await this.rendezvous.signal({ key, owner, payload, ttlMs: ttlMs === undefined ? undefined : BigInt(ttlMs) });
  }

  /** Waits for a key on a stream that stays open; resolves once the waiter is registered. */
  async waitFor(key: string, owner: string): Promise<void> {
    let waiting!: () => void;
    const registered = new Promise<void>((resolve) => (waiting = resolve));
    this.keep(
      (async () => {
        for await (const event of this.rendezvous.wait({ key, owner }, { signal: this.controller.signal })) {
          if (event.event.case === "waiting") waiting();
        }
      })(),
    );
    await registered;
  }

  /** A wait for a key that runs out after `waitMs`; resolves once it has timed out. */
  async timeOut(key: string, owner: string, waitMs = 50): Promise<void> {
    try {
      for await (const _ of this.rendezvous.wait({ key, owner, waitMs: BigInt(waitMs) }, { signal: this.controller.signal })) void _;
    } catch {
      return;
    }
    throw new Error(`the wait for ${key} did not time out (was the key set?)`);
  }

  /** Arrives at a barrier on a stream that stays open; resolves once counted. */
  async arrive(key: string, parties: number, owner: string): Promise<void> {
    let counted!: () => void;
    const arrived = new Promise<void>((resolve) => (counted = resolve));
    this.keep(
      (async () => {
        for await (const event of this.rendezvous.arrive({ key, parties, owner }, { signal: this.controller.signal })) {
          if (event.event.case === "progress" || event.event.case === "tripped") counted();
        }
      })(),
    );
    await arrived;
  }

  /** A readiness wait on a TCP port nobody listens on; resolves with its target once it has failed once. */
  async readinessWait(): Promise<string> {
    const port = await closedPort();
    let failed!: () => void;
    const attempted = new Promise<void>((resolve) => (failed = resolve));
    this.keep(
      (async () => {
        const request = { probe: { case: "tcp" as const, value: { host: "127.0.0.1", port } }, intervalMs: 1000n };
        for await (const event of this.rendezvous.waitReady(request, { signal: this.controller.signal })) {
          if (event.event.case === "failed") failed();
        }
      })(),
    );
    await attempted;
    return `127.0.0.1:${port}`;
  }

  /** Opens a Session (HTTP/2) that acquires `name` and keeps it; resolves once it holds it. */
  async session(owner: string, name: string): Promise<void> {
    let acquired!: () => void;
    const held = new Promise<void>((resolve) => (acquired = resolve));
    const signal = this.controller.signal;
    async function* requests(): AsyncGenerator<SessionRequest> {
      yield create(SessionRequestSchema, { id: 1n, op: { case: "open", value: { owner } } });
      yield create(SessionRequestSchema, { id: 2n, op: { case: "acquire", value: { name, owner } } });
      // A session lives while the server hears from it (the server's sessionTtl, 10 s by default).
      for (let id = 3n; !signal.aborted; id++) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 3000);
          signal.addEventListener("abort", () => resolve(clearTimeout(timer)), { once: true });
        });
        if (!signal.aborted) yield create(SessionRequestSchema, { id, op: { case: "ping", value: {} } });
      }
    }
    this.keep(
      (async () => {
        for await (const answer of this.h2.session(requests(), { signal })) {
          if (answer.result.case === "acquired") acquired();
        }
      })(),
    );
    await held;
  }

  /** Ends every stream the scenario opened. */
  async close(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.running);
  }

  private keep(task: Promise<unknown>): void {
    // A stream ended by close() rejects with "aborted": that is its normal end here.
    this.running.push(task.catch(() => undefined));
  }
}

/** A local TCP port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
