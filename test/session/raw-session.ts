import * as http2 from "node:http2";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type { LockEngine } from "../../src/engine/lock-engine.js";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { SessionRequestSchema, type SessionRequest, type SessionResponse } from "../../src/gen/baton/lock/v1/session_pb.js";
import { startServer } from "../helpers/server.js";

type Op = MessageInitShape<typeof SessionRequestSchema>["op"];

/**
 * A Session stream driven message by message, as a client in any language would: send requests,
 * read every answer, half-close or kill the stream.
 */
export class RawSession {
  readonly responses: SessionResponse[] = [];
  ended: unknown = undefined;
  done = false;
  private readonly outbox: SessionRequest[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly ctl = new AbortController();
  private readonly waiters: Array<() => void> = [];
  readonly finished: Promise<void>;

  constructor(client: Client<typeof LockService>) {
    this.finished = this.read(client.session(this.requests(), { signal: this.ctl.signal }));
  }

  /** Sends one request; a waiting acquire reports each change of position unless `quiet`. */
  send(id: bigint, op: Op, quiet = false): void {
    this.outbox.push(create(SessionRequestSchema, { id, op, reportPositions: !quiet }));
    this.wake?.();
  }

  /** The first answer to `id` of the given kind (or an error), waiting for it. */
  async answer(id: bigint, kind?: SessionResponse["result"]["case"]): Promise<SessionResponse> {
    for (;;) {
      const found = this.responses.find((r) => r.id === id && (kind === undefined ? r.result.case !== "queued" : r.result.case === kind));
      if (found !== undefined) return found;
      if (this.done) throw new Error(`the session ended (${String(this.ended)}) before an answer to ${id}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Every answer to `id` so far. */
  answersTo(id: bigint): SessionResponse[] {
    return this.responses.filter((r) => r.id === id);
  }

  /** Half-closes: the client is done. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Kills the stream, as a crashed client or a dropped connection would. */
  kill(): void {
    this.ctl.abort();
  }

  private async *requests(): AsyncGenerator<SessionRequest> {
    for (;;) {
      const next = this.outbox.shift();
      if (next !== undefined) yield next;
      else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private async read(stream: AsyncIterable<SessionResponse>): Promise<void> {
    try {
      for await (const r of stream) {
        this.responses.push(r);
        for (const w of this.waiters.splice(0)) w();
      }
    } catch (error) {
      this.ended = error;
    }
    this.done = true;
    for (const w of this.waiters.splice(0)) w();
  }
}

/** A LockService client over HTTP/2 (Connect binary, or gRPC). */
export function h2Client(url: string, kind: "connect" | "grpc" = "connect"): Client<typeof LockService> {
  const transport = kind === "grpc" ? createGrpcTransport({ baseUrl: url }) : createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true });
  return createClient(LockService, transport);
}

/**
 * A Baton server (built by the same buildApp as `baton serve`) with a chosen default session TTL
 * and a low minimum TTL, for session tests that need short timings.
 */
export async function startSessionServer(ttlMs: number): Promise<{ url: string; engine: LockEngine; close(): Promise<void> }> {
  const server = await startServer({ sessionTtlMs: ttlMs, minTtlMs: 50 });
  return { url: server.url, engine: server.app.engine, close: server.close };
}
