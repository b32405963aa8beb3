import * as http2 from "node:http2";
import type * as tls from "node:tls";
import * as net from "node:net";

/** One HTTP/2 connection of the pool. */
interface Entry {
  readonly session: http2.ClientHttp2Session;
  /** Resolves once the server's SETTINGS arrived (so its stream cap is known); rejects if the connection fails first. */
  readonly ready: Promise<void>;
  /** The server's cap on concurrent streams, bounded by the pool's own; unknown until ready. */
  capacity: number | undefined;
  /** Streams open on the connection. */
  active: number;
  /** Requests that chose this connection and wait for it to become ready. */
  pending: number;
  /** No new streams: the connection failed, closed, or the server sent GOAWAY. */
  retired: boolean;
  pinger: NodeJS.Timeout | undefined;
}

/** Liveness checks of connections with open streams. */
export interface StreamPoolOptions {
  /** How often a connection with open streams sends a PING; default 30 s. */
  pingIntervalMs?: number;
  /** How long a PING may go unanswered before the connection is closed; default 15 s. */
  pingTimeoutMs?: number;
  /** Whether open streams keep the process alive; default true (false for the session stream). */
  keepProcessAlive?: boolean;
  /** TLS options of https connections: a custom CA, a client certificate (see TlsClientOptions). */
  tls?: tls.ConnectionOptions;
  /** Headers every stream sends (the API key's Authorization). */
  headers?: Record<string, string>;
}

/**
 * HTTP/2 connections for long-lived streams, opened as needed so that no stream exceeds a
 * connection's concurrent-stream cap.
 *
 * Node's http2 client does not open a stream beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS:
 * it queues it silently until another stream closes (and a stream sent before the SETTINGS
 * arrive is refused). Behind a proxy that caps streams (100 is common) a Wait stream would sit
 * unsent and never join the queue. This pool waits for each connection's SETTINGS, keeps its
 * streams under min(cap, `streamsPerConnection`), and opens another connection when all are full.
 * It has the shape connect-node's transports take as `sessionManager`.
 */
export class StreamPool {
  readonly authority: string;
  private readonly entries: Entry[] = [];
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly keepProcessAlive: boolean;
  private readonly tls: tls.ConnectionOptions | undefined;
  private readonly headers: Record<string, string> | undefined;
  private closed = false;

  constructor(
    url: string,
    private readonly streamsPerConnection: number,
    options: StreamPoolOptions = {},
  ) {
    this.authority = new URL(url).origin;
    this.pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 15_000;
    this.keepProcessAlive = options.keepProcessAlive ?? true;
    this.tls = options.tls;
    this.headers = options.headers;
  }

  /** Opens a stream on a connection with room, waiting for a new connection's SETTINGS first. */
  async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    for (;;) {
      if (this.closed) throw new Error("the client is closed");
      const entry = this.pick();
      entry.pending++;
      try {
        await entry.ready;
      } finally {
        entry.pending--;
      }
      if (entry.retired || entry.active >= (entry.capacity ?? 0)) continue;
      return this.open(entry, method, path, headers, options);
    }
  }

  /** Part of the session-manager shape; liveness is checked by PINGs instead. */
  notifyResponseByteRead(): void {}

  /** Stops opening streams and closes every connection once the streams on it have ended. */
  drain(): void {
    this.closed = true;
    for (const entry of this.entries.splice(0)) {
      entry.retired = true;
      clearInterval(entry.pinger);
      if (!entry.session.destroyed) entry.session.close();
    }
  }

  /** Closes every connection and the streams on them. */
  abort(): void {
    this.closed = true;
    for (const entry of this.entries.splice(0)) this.retire(entry, true);
  }

  private pick(): Entry {
    const room = this.entries.find((e) => !e.retired && e.active + e.pending < (e.capacity ?? this.streamsPerConnection));
    return room ?? this.connect();
  }

  private connect(): Entry {
    // Small request/answer messages must not wait for Nagle's algorithm (an RTT or a delayed ACK).
    const url = new URL(this.authority);
    const session =
      url.protocol === "http:"
        ? http2.connect(this.authority, {
            createConnection: () => net.connect({ host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 80), noDelay: true }),
          })
        : http2.connect(this.authority, this.tls === undefined ? {} : { ...this.tls });
    const ready = new Promise<void>((resolve, reject) => {
      session.once("remoteSettings", () => resolve());
      session.once("error", reject);
      session.once("close", () => reject(new Error("the connection closed before it was ready")));
    });
    // Requests see the rejection; nobody else needs to.
    ready.catch(() => undefined);
    const entry: Entry = { session, ready, capacity: undefined, active: 0, pending: 0, retired: false, pinger: undefined };
    session.on("remoteSettings", (settings) => {
      entry.capacity = Math.min(this.streamsPerConnection, settings.maxConcurrentStreams ?? this.streamsPerConnection);
    });
    session.on("error", () => this.retire(entry, false));
    session.on("goaway", () => this.retire(entry, false));
    session.on("close", () => this.retire(entry, false));
    // A connection still coming up holds the process for the request that asked for it (the
    // stream's own ref takes over once it opens); an idle one does not.
    if (!this.keepProcessAlive) session.unref();
    else void ready.then(() => entry.active === 0 && entry.pending === 0 && session.unref(), () => undefined);
    this.entries.push(entry);
    return entry;
  }

  private open(
    entry: Entry,
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): http2.ClientHttp2Stream {
    const stream = entry.session.request({ ...headers, ...this.headers, ":method": method, ":path": path }, options);
    if (entry.active++ === 0) {
      // Open streams keep the process alive, as any pending request does; idle connections do not.
      if (this.keepProcessAlive) entry.session.ref();
      this.startPings(entry);
    }
    stream.once("close", () => {
      if (--entry.active > 0) return;
      entry.session.unref();
      clearInterval(entry.pinger);
      // Keep one idle connection for the next stream; close the others.
      const idle = this.entries.filter((e) => e.active === 0 && e.pending === 0 && !e.retired);
      for (const extra of idle.slice(1)) this.retire(extra, true);
    });
    return stream;
  }

  private startPings(entry: Entry): void {
    clearInterval(entry.pinger);
    entry.pinger = setInterval(() => {
      const timeout = setTimeout(() => entry.session.destroy(new Error("the server stopped answering PINGs")), this.pingTimeoutMs);
      timeout.unref();
      const sent = entry.session.ping(() => clearTimeout(timeout));
      if (!sent) clearTimeout(timeout);
    }, this.pingIntervalMs);
    entry.pinger.unref();
  }

  private retire(entry: Entry, close: boolean): void {
    entry.retired = true;
    clearInterval(entry.pinger);
    const at = this.entries.indexOf(entry);
    if (at !== -1) this.entries.splice(at, 1);
    if (close && !entry.session.destroyed) {
      if (entry.active > 0 || this.closed) entry.session.destroy();
      else entry.session.close();
    }
  }
}
