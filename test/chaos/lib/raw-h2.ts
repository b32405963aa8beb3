import * as http2 from "node:http2";
import * as net from "node:net";
import { binary, lockPath, type LockEvent } from "./api.js";
import { envelope, EnvelopeReader } from "./envelope.js";
import { nowMs } from "./history.js";

/** A grant a raw call received. */
export interface RawGrant {
  fencing: bigint;
  token: string;
  expiresAt: number;
  grantedAt: number;
}

/** One raw Connect streaming call (binary) on an HTTP/2 stream, whose messages are tracked. */
export class RawCall {
  queued = false;
  grant: RawGrant | undefined;
  ended = false;
  sentAt = nowMs();

  constructor(
    readonly stream: http2.ClientHttp2Stream,
    onMessage: (call: RawCall, payload: Buffer) => void,
  ) {
    const reader = new EnvelopeReader();
    stream.on("data", (chunk: Buffer) => {
      for (const e of reader.push(chunk)) if ((e.flags & 0x02) === 0) onMessage(this, e.payload);
    });
    stream.on("error", () => undefined);
    stream.on("close", () => (this.ended = true));
  }

  /** RST_STREAM with CANCEL, as a client that gives up mid-call. */
  reset(): void {
    this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }
}

function onEvent(call: RawCall, e: LockEvent): void {
  if (e.kind === "queued") call.queued = true;
  else if (e.kind === "granted") call.grant = { ...e.lease, grantedAt: nowMs() };
}

/**
 * An HTTP/2 connection on a TCP socket of our own, so it can be cut as a crashed machine would:
 * `destroy()` sends a TCP RST, with no GOAWAY and no stream resets first.
 */
export class RawH2Connection {
  readonly session: http2.ClientHttp2Session;
  private readonly socket: net.Socket;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = net.connect(Number(port), hostname);
    this.socket.on("error", () => undefined);
    this.session = http2.connect(url, { createConnection: () => this.socket });
    this.session.on("error", () => undefined);
  }

  /** Opens a lock Wait (optionally holding); its events mark the call queued / granted. */
  wait(req: { name: string; owner: string; ttlMs: number; hold: boolean }): RawCall {
    const stream = this.request(lockPath("Wait"));
    const call = new RawCall(stream, (c, payload) => onEvent(c, binary.waitEvent(payload)));
    stream.end(envelope(binary.waitRequest(req)));
    return call;
  }

  /** Opens a Session and sends one acquire (id 1) on it (waitMs unset: as long as it lives); the stream stays open. */
  sessionAcquire(req: { name: string; owner: string; ttlMs: number; waitMs?: number }): RawCall {
    const stream = this.request(lockPath("Session"));
    const call = new RawCall(stream, (c, payload) => onEvent(c, binary.sessionEvent(payload)));
    stream.write(envelope(binary.sessionAcquire(1n, req)));
    // Alive until cut: a ping every 300 ms keeps a session of the server's TTL (≥ 1 s here) open.
    let n = 2n;
    const pinger = setInterval(() => {
      if (stream.closed || stream.destroyed) return clearInterval(pinger);
      stream.write(envelope(binary.sessionPing(n++)));
    }, 300);
    stream.on("close", () => clearInterval(pinger));
    return call;
  }

  /** Cuts the connection with a TCP RST. */
  destroy(): void {
    this.socket.resetAndDestroy();
  }

  /** Closes politely (GOAWAY, then the socket). */
  close(): void {
    this.session.close();
    this.socket.destroy();
  }

  private request(path: string): http2.ClientHttp2Stream {
    return this.session.request({ ":method": "POST", ":path": path, "content-type": "application/connect+proto" });
  }
}
