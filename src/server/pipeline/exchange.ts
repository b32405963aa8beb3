import type * as http from "node:http";
import * as http2 from "node:http2";
import type * as net from "node:net";
import type { Readable } from "node:stream";

/**
 * One HTTP request and its response as the pipeline sees them, whatever the HTTP version: the
 * pipeline reads headers and body through it and answers through it. HTTP/2 exchanges are served
 * on the raw stream (no Node compat request/response objects, which cost ~2.7 KiB and a hop per
 * chunk); HTTP/1.1 ones on Node's request and response.
 */
export interface Exchange {
  readonly httpVersion: "1.1" | "2";
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  /** The full request URL (scheme, authority, path), for HandlerContext.url. */
  readonly url: string;
  /**
   * The connection's socket (for HTTP/2, the session's socket, one object per connection): with
   * TLS, it tells who the client is; per-connection limits count by it.
   */
  readonly socket: net.Socket | undefined;
  /** A request header by its lower-case name, or null. */
  header(name: string): string | null;
  /** Every request header, built on first use (most calls never need them all). */
  headers(): Headers;
  /**
   * The call has started answering: the request headers are no longer needed (interceptors and
   * the implementation have read what they need), so a long stream need not keep them.
   */
  answering(): void;
  /** The request body's chunks. */
  body(): AsyncIterable<Uint8Array>;
  /** The request body as Node's stream, for reading a short body with events (see read-one.ts). */
  readable(): Readable;
  /** Whether the client went away (reset, closed) before the response was complete. */
  readonly gone: boolean;
  /** Tells `listener` once if the client goes away before the response is complete (one listener). */
  onGone(listener: GoneListener): void;
  /** Sends the status and headers; `trailers` says trailers will follow the body (HTTP/2). */
  respond(status: number, headers: Record<string, string>, trailers?: boolean): void;
  /** Writes a chunk; resolves when the stream can take more (back-pressure), or at once. */
  write(chunk: Uint8Array): Promise<void> | undefined;
  /** Ends the response, with HTTP/2 trailers when `respond` announced them. */
  end(chunk?: Uint8Array, trailers?: Record<string, string>): void;
  /**
   * After `end`: calls `undelivered` once if the response is then known not to have reached the
   * client (HTTP/2: the client reset the stream before the server's last frame went out;
   * HTTP/1.1: the connection closed before the response was handed to the OS). A response that
   * left the server is taken as delivered: nothing can tell whether the client then read it.
   */
  onUndelivered(undelivered: () => void): void;
}

/** What hears that a client went away (the call's context). */
export interface GoneListener {
  clientGone(): void;
}

const NO_HEADERS: http2.IncomingHttpHeaders = {};

/** The exchange of a stream, found by the one shared close handler (no closure per stream). */
const EXCHANGE = Symbol("exchange");

function onStreamClose(this: http2.ServerHttp2Stream & { [EXCHANGE]?: H2Exchange }): void {
  this[EXCHANGE]?.closed();
}

/** An HTTP/2 stream as an Exchange. */
export class H2Exchange implements Exchange {
  readonly httpVersion = "2" as const;
  readonly method: string;
  readonly path: string;
  private finished = false;
  private lost = false;
  private listener: GoneListener | undefined;
  private trailers: Record<string, string> | undefined;
  private announced = false;
  private rawHeaders: http2.IncomingHttpHeaders;
  private readonly authority: string;
  private undelivered: (() => void) | undefined;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    rawHeaders: http2.IncomingHttpHeaders,
  ) {
    this.rawHeaders = rawHeaders;
    this.authority = rawHeaders[":authority"] ?? "localhost";
    this.method = rawHeaders[":method"] ?? "";
    const path = rawHeaders[":path"] ?? "";
    const q = path.indexOf("?");
    this.path = q === -1 ? path : path.slice(0, q);
    (stream as { [EXCHANGE]?: H2Exchange })[EXCHANGE] = this;
    stream.on("close", onStreamClose);
  }

  /** The stream closed: if the response was not complete, the client went away. */
  closed(): void {
    if (this.finished) {
      // A reset before the last frame left: nghttp2 dropped the frames still queued.
      const undelivered = this.undelivered;
      this.undelivered = undefined;
      if (undelivered !== undefined && this.stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) undelivered();
      return;
    }
    this.lost = true;
    const listener = this.listener;
    this.listener = undefined;
    listener?.clientGone();
  }

  get url(): string {
    return `${this.stream.session?.encrypted === true ? "https" : "http"}://${this.authority}${this.path}`;
  }

  get socket(): net.Socket | undefined {
    return this.stream.session?.socket;
  }

  answering(): void {
    this.rawHeaders = NO_HEADERS;
  }

  get gone(): boolean {
    return this.lost || this.stream.destroyed;
  }

  header(name: string): string | null {
    const value = this.rawHeaders[name];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  headers(): Headers {
    return toHeaders(this.rawHeaders);
  }

  body(): AsyncIterable<Uint8Array> {
    // Leaving the loop early (a bad message) must not destroy the stream: the error still has
    // to be written.
    return this.stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
  }

  readable(): Readable {
    return this.stream;
  }

  onGone(listener: GoneListener): void {
    if (this.lost) return listener.clientGone();
    this.listener = listener;
  }

  respond(status: number, headers: Record<string, string>, trailers = false): void {
    const { stream } = this;
    // A stream the client reset is closed but not always destroyed yet: writing to it throws.
    if (stream.destroyed || stream.closed || stream.headersSent) return;
    if (trailers) {
      stream.once("wantTrailers", () => {
        if (stream.destroyed) return;
        stream.sendTrailers(this.trailers ?? {});
        // Only now, with the status sent, may a client still sending be told to stop.
        this.stopClient();
      });
    }
    this.announced = trailers;
    stream.respond({ ":status": status, ...headers }, { waitForTrailers: trailers });
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    const { stream } = this;
    if (stream.destroyed || stream.closed || stream.write(chunk)) return undefined;
    return new Promise<void>((resolve) => {
      const go = (): void => {
        stream.off("drain", go);
        stream.off("close", go);
        resolve();
      };
      stream.on("drain", go);
      stream.on("close", go);
    });
  }

  end(chunk?: Uint8Array, trailers?: Record<string, string>): void {
    const { stream } = this;
    this.finished = true;
    this.listener = undefined;
    if (stream.destroyed || stream.closed) return;
    this.trailers = trailers;
    // With trailers to come, the reset waits for them (see respond): a reset before them would
    // lose the call's status (gRPC clients then see INTERNAL instead of the real error).
    stream.end(chunk, () => {
      if (!this.announced) this.stopClient();
    });
  }

  onUndelivered(undelivered: () => void): void {
    const { stream } = this;
    if (stream.closed || stream.destroyed) {
      if (this.lost || stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) undelivered();
      return;
    }
    this.undelivered = undelivered;
  }

  /**
   * A client still sending (the call ended early: a bad message, a silent session) is told to
   * stop with RST_STREAM(NO_ERROR), as HTTP/2 provides for a response complete before its
   * request; what it already sent is read and dropped.
   */
  private stopClient(): void {
    const { stream } = this;
    if (stream.readableEnded || stream.closed) return;
    stream.resume();
    setImmediate(() => {
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    });
  }
}

/** An HTTP/1.1 request and response as an Exchange (HTTP/1.1 has no trailers). */
export class H1Exchange implements Exchange {
  readonly httpVersion = "1.1" as const;
  readonly method: string;
  readonly path: string;
  private finished = false;
  private lost = false;
  private listener: GoneListener | undefined;
  private undelivered: (() => void) | undefined;

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
  ) {
    this.method = req.method ?? "";
    const url = req.url ?? "";
    const q = url.indexOf("?");
    this.path = q === -1 ? url : url.slice(0, q);
    res.once("close", () => {
      if (this.finished && res.writableFinished) return;
      this.lost = true;
      const undelivered = this.undelivered;
      this.undelivered = undefined;
      undelivered?.();
      const listener = this.listener;
      this.listener = undefined;
      listener?.clientGone();
    });
  }

  get url(): string {
    const encrypted = "encrypted" in this.req.socket && this.req.socket.encrypted === true;
    return `${encrypted ? "https" : "http"}://${this.req.headers.host ?? "localhost"}${this.req.url ?? "/"}`;
  }

  get gone(): boolean {
    return this.lost || this.res.destroyed;
  }

  get socket(): net.Socket | undefined {
    return this.req.socket;
  }

  header(name: string): string | null {
    const value = this.req.headers[name];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  headers(): Headers {
    return toHeaders(this.req.headers);
  }

  answering(): void {
    // Node's request object keeps its headers anyway; nothing to drop.
  }

  body(): AsyncIterable<Uint8Array> {
    return this.req;
  }

  readable(): Readable {
    return this.req;
  }

  onGone(listener: GoneListener): void {
    if (this.lost) return listener.clientGone();
    this.listener = listener;
  }

  respond(status: number, headers: Record<string, string>): void {
    if (this.res.headersSent || this.res.destroyed) return;
    this.res.writeHead(status, headers);
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    const { res } = this;
    if (res.destroyed || res.write(chunk)) return undefined;
    return new Promise<void>((resolve) => {
      const go = (): void => {
        res.off("drain", go);
        res.off("close", go);
        resolve();
      };
      res.on("drain", go);
      res.on("close", go);
    });
  }

  end(chunk?: Uint8Array): void {
    this.finished = true;
    this.listener = undefined;
    if (this.res.destroyed) return;
    if (chunk === undefined) this.res.end();
    else this.res.end(chunk);
  }

  onUndelivered(undelivered: () => void): void {
    if (this.res.writableFinished) return;
    if (this.lost || this.res.destroyed) return undelivered();
    this.undelivered = undelivered;
  }
}

/** Node's header object as a web Headers, HTTP/2 pseudo-headers left out. */
function toHeaders(raw: http.IncomingHttpHeaders | http2.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, String(value));
  }
  return headers;
}
