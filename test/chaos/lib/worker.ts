import { GrpcLockClient } from "./clients/grpc-client.js";
import { JsonLockClient } from "./clients/json-client.js";
import { TsLockClient } from "./clients/ts-client.js";
import { CallError, isConnectionFailure, type LockClient } from "./clients/types.js";
import { nowMs, type GrantRecord } from "./history.js";

/** The kinds of client a worker can be. */
export const CLIENT_KINDS = ["ts-session-h2", "ts-h1", "connect-json-h1", "grpc-js"] as const;
/** One of CLIENT_KINDS. */
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** A new client of the given kind to one Baton instance. */
export function makeClient(kind: ClientKind, url: string, sessionTtlMs?: number): LockClient {
  switch (kind) {
    case "ts-session-h2":
      return new TsLockClient(url, "2", sessionTtlMs);
    case "ts-h1":
      return new TsLockClient(url, "1.1");
    case "connect-json-h1":
      return new JsonLockClient(url);
    case "grpc-js":
      return new GrpcLockClient(url);
  }
}

/** Where a worker reports what it does: the history and the fenced resource (maybe over IPC). */
export interface WorkerSink {
  grant(record: GrantRecord): void;
  end(grant: string, at: number, how: NonNullable<GrantRecord["end"]>): void;
  error(kind: string, code: string): void;
  /** Offers a write to the fenced resource. */
  write(grant: string, lock: string, fencing: bigint): Promise<boolean>;
}

/** What a worker does (plain data, so it can be sent to a child process). */
export interface WorkerSpec {
  id: string;
  kind: ClientKind;
  /** Instances to use, the first preferred; on a connection failure the worker moves to the next. */
  urls: string[];
  locks: string[];
  ttlMs: number;
  waitMs: number;
  /** How long it holds each grant, spread over `writes` writes to the fenced resource. */
  holdMs: number;
  writes: number;
  /** This share of grants (0–1) is held for `longHoldMs` instead, so some holds span a fault. */
  longHoldShare?: number;
  longHoldMs?: number;
  /** Share one client per kind and instance with the other workers of this process (a busy service's pool). */
  sharedClient?: boolean;
  /**
   * The server's session TTL. A Session client's lease is surely its own only while its session
   * lives, which the server ends after this long without a message: a starved process can lose
   * its leases before their stated expiry (and its client says so), so the grant's checked
   * expiry is at most this long after the acquire was sent.
   */
  sessionTtlMs?: number;
}

const shared = new Map<string, LockClient>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A client that loops: acquire a lock (with a wait), write to the fenced resource with its
 * fencing token while holding, release. It is naive on purpose: it never checks whether its lease
 * is still valid before writing, so only fencing stands between a stale holder and the resource.
 */
export class Worker {
  private readonly clients = new Map<string, LockClient>();
  private urlIndex = 0;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private seq = 0;

  constructor(
    readonly spec: WorkerSpec,
    private readonly sink: WorkerSink,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops after the current hold (which it releases); an acquire in flight is cancelled. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    if (this.spec.sharedClient !== true) for (const c of this.clients.values()) c.close();
  }

  private client(): LockClient {
    const url = this.spec.urls[this.urlIndex % this.spec.urls.length]!;
    let c = this.clients.get(url);
    if (c === undefined) {
      const key = `${this.spec.kind} ${url}`;
      c = this.spec.sharedClient === true ? (shared.get(key) ?? shared.set(key, makeClient(this.spec.kind, url, this.spec.sessionTtlMs)).get(key)!) : makeClient(this.spec.kind, url, this.spec.sessionTtlMs);
      this.clients.set(url, c);
    }
    return c;
  }

  private async loop(): Promise<void> {
    const { id, kind, locks, ttlMs, waitMs, holdMs, writes } = this.spec;
    while (!this.abort.signal.aborted) {
      const lock = locks[this.seq % locks.length]!;
      const client = this.client();
      const sentAt = nowMs();
      let grant;
      try {
        grant = await client.acquire(lock, { owner: id, ttlMs, waitMs }, this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) break;
        const code = error instanceof CallError ? error.code : "unknown";
        this.sink.error(kind, code);
        if (isConnectionFailure(error)) this.urlIndex++;
        await sleep(20 + Math.random() * 80);
        continue;
      }
      const gid = `${id}#${this.seq++}`;
      this.sink.grant({ id: gid, worker: id, lock, fencing: grant.fencing, sentAt, grantedAt: nowMs(), expiresAt: grant.expiresAt });
      const hold = Math.random() < (this.spec.longHoldShare ?? 0) ? (this.spec.longHoldMs ?? holdMs) : holdMs;
      for (let i = 0; i < writes; i++) {
        await this.sink.write(gid, lock, grant.fencing);
        await sleep(hold / writes);
      }
      const endAt = nowMs();
      try {
        await client.release(lock, grant.token);
        this.sink.end(gid, endAt, "released");
      } catch (error) {
        this.sink.end(gid, endAt, "release-failed");
        const code = error instanceof CallError ? error.code : "unknown";
        this.sink.error(kind, `release:${code}`);
        if (isConnectionFailure(error)) this.urlIndex++;
      }
    }
  }
}
