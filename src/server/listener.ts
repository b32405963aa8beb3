import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type * as tls from "node:tls";
import { createTlsServer, reloadTls, type TlsFiles } from "./tls.js";

/** Any request handler that serves both HTTP/1.1 and HTTP/2 requests. */
export type Handler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/**
 * A route that serves a request straight on its HTTP/2 stream, without Node's compat
 * request/response objects; returns whether it took the stream.
 */
export type StreamRoute = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

/**
 * A cleartext HTTP/2 server whose streams go to `raw` first and to `handler` otherwise. Node's
 * compat layer would wrap every stream in an Http2ServerRequest/Response (~2.7 KiB and an extra
 * hop per chunk each way) before any handler could look at it, so the server takes no request
 * listener and builds those objects itself, as the compat layer does, only for what `raw` leaves.
 */
export function createH2Server(
  handler: Handler,
  raw: StreamRoute = () => false,
  log: (message: string) => void = (m) => console.error(m),
  maxStreams = 1_000_000,
): http2.Http2Server {
  // Waiting streams are long-lived: a low stream cap would queue unary calls behind them.
  // One connection may carry many thousands of waits (a client multiplexing them all): nghttp2
  // accounts a few hundred bytes to the session per open stream, and at the default limit (10 MB)
  // a session of ~20,000 waits starts refusing streams and is then cut off altogether.
  const server = http2.createServer({ settings: { maxConcurrentStreams: maxStreams }, maxSessionMemory: 256 });
  server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    // A reset stream emits 'error'; unheard, that would crash the process. Routes learn of the
    // end from 'close', so here it is only heard.
    stream.on("error", ignore);
    const authority = headers[":authority"] ?? headers.host;
    if (authority === undefined) {
      // :authority is optional in HTTP/2; what is built from it (the request URL) needs one.
      headers[":authority"] = localAuthority(stream.session?.socket);
    } else if (!validAuthority(authority)) {
      return refuseStream(stream, authority);
    }
    try {
      if (raw(stream, headers)) return;
    } catch (error) {
      return failStream(stream, error, log);
    }
    const req = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders);
    const res = new http2.Http2ServerResponse(stream);
    const expect = headers.expect;
    if (expect !== undefined) {
      if (expect.toLowerCase() !== "100-continue") {
        res.statusCode = 417;
        res.end();
        return;
      }
      res.writeContinue();
    }
    try {
      handler(req, res);
    } catch (error) {
      failStream(stream, error, log);
    }
  });
  return server;
}

function ignore(): void {}

/**
 * Whether a Host / :authority value makes a URL: the routers build the request URL from it,
 * and a value such as `[`, `%` or `x:99999999` would otherwise throw inside them.
 */
export function validAuthority(value: string): boolean {
  if (goodAuthorities.has(value)) return true;
  const valid = value !== "" && !/[\s/?#@\\]/.test(value) && URL.canParse(`http://${value}`);
  // Every request of a connection names the same authority: parsing a URL for each one cost ~2 %
  // of a unary call. Only valid, short values are kept, and only so many.
  if (valid && value.length <= 255 && goodAuthorities.size < 64) goodAuthorities.add(value);
  return valid;
}

/** Authorities already found valid (see validAuthority). */
const goodAuthorities = new Set<string>();

/** host:port of the socket's local end, for a request that named no authority (HTTP/1.0, h2). */
function localAuthority(socket: net.Socket | undefined): string {
  const address = socket?.localAddress ?? "127.0.0.1";
  const host = address.includes(":") ? `[${address}]` : address;
  return `${host}:${socket?.localPort ?? 0}`;
}

const BAD_AUTHORITY = "the Host header (HTTP/2 :authority) must be a host name or address with an optional port";

function refuseStream(stream: http2.ServerHttp2Stream, authority: string): void {
  answerStream(stream, 400, `${BAD_AUTHORITY}; got ${JSON.stringify(authority.slice(0, 100))}\n`);
}

/** A handler that threw synchronously: the request fails, the process goes on. */
function failStream(stream: http2.ServerHttp2Stream, error: unknown, log: (message: string) => void): void {
  log(`baton: a request handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  answerStream(stream, 500, "internal error; see the server log\n");
}

/**
 * Answers a stream with a short text, if it can still be answered: a client may reset its
 * stream at any moment (it is then closed before it is destroyed, and writing to it throws),
 * and nothing a client does may end the process.
 */
function answerStream(stream: http2.ServerHttp2Stream, status: number, text: string): void {
  if (stream.destroyed || stream.closed) return;
  try {
    if (!stream.headersSent) stream.respond({ ":status": status, "content-type": "text/plain; charset=utf-8" });
    stream.end(text);
  } catch {
    stream.destroy();
  }
}

/**
 * The HTTP/1.1 server's request listener: checks the Host header first (HTTP/1.0 may omit it;
 * such a request is given the local address) and keeps a handler's synchronous throw inside the
 * request.
 */
function guardH1(handler: Handler, log: (message: string) => void): http.RequestListener {
  return (req, res) => {
    const host = req.headers.host;
    if (host === undefined) {
      req.headers.host = localAuthority(req.socket);
    } else if (!validAuthority(host)) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8", connection: "close" });
      res.end(`${BAD_AUTHORITY}; got ${JSON.stringify(host.slice(0, 100))}\n`);
      return;
    }
    try {
      handler(req, res);
    } catch (error) {
      log(`baton: a request handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("internal error; see the server log\n");
    }
  };
}

/** The HTTP/2 connection preface's first bytes; HTTP/1.1 requests never start with them. */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

/**
 * One TCP port for HTTP/1.1 and cleartext HTTP/2. Node 20 ignores `allowHTTP1` without TLS, so
 * each new socket's first bytes decide which server gets it.
 */
export class OnePortListener {
  private readonly tcp: net.Server;
  private readonly tls: tls.Server | undefined;
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  /** `raw` serves the HTTP/2 streams it takes (see createH2Server); `handler` serves the rest. */
  constructor(handler: Handler, raw?: StreamRoute, log: (message: string) => void = (m) => console.error(m), maxStreams?: number, tlsFiles?: TlsFiles) {
    this.h1 = http.createServer(guardH1(handler, log));
    this.h2 = createH2Server(handler, raw, log, maxStreams);
    this.h2.on("session", (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
    });
    // With TLS, ALPN (not the first bytes) says which server gets the connection.
    this.tls = tlsFiles === undefined ? undefined : createTlsServer(tlsFiles, (socket, h2) => this.adopt(socket, h2));
    this.tcp = this.tls ?? net.createServer((socket) => this.route(socket));
  }

  /** Whether the port speaks TLS. */
  get secure(): boolean {
    return this.tls !== undefined;
  }

  /** Loads the TLS certificate and key again (SIGHUP); new connections use them. */
  reloadTls(files: TlsFiles): void {
    if (this.tls !== undefined) reloadTls(this.tls, files);
  }

  private adopt(socket: tls.TLSSocket, h2: boolean): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    socket.once("error", () => socket.destroy());
    (h2 ? this.h2 : this.h1).emit("connection", socket);
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.tcp.once("error", reject);
      this.tcp.listen(port, host, () => {
        this.tcp.off("error", reject);
        resolve((this.tcp.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections; open ones stay (net.Server's close callback waits for them). */
  stopAccepting(): void {
    this.tcp.close();
  }

  /** Lets open connections finish, then cuts what is left after `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    this.h1.closeIdleConnections();
    for (const session of this.sessions) session.close();
    const deadline = Date.now() + graceMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      this.h1.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const socket of this.sockets) socket.destroy();
  }

  private route(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    socket.once("error", () => socket.destroy());
    let head: Buffer = Buffer.alloc(0);
    // A connection that never says which protocol it speaks is not kept forever.
    const undecided = setTimeout(() => socket.destroy(), 10_000);
    undecided.unref();
    const decide = (): void => {
      const chunk: Buffer | null = socket.read();
      if (chunk === null) return;
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const looksH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      // A first segment that is only the start of the preface ("P") could still be "POST":
      // wait for the preface's full length before handing the socket over.
      if (looksH2 && n < PREFACE.length) return;
      socket.off("readable", decide);
      clearTimeout(undecided);
      socket.unshift(head);
      (looksH2 ? this.h2 : this.h1).emit("connection", socket);
    };
    socket.on("readable", decide);
  }
}
