import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";

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
export function createH2Server(handler: Handler, raw: StreamRoute = () => false): http2.Http2Server {
  // Waiting streams are long-lived: a low stream cap would queue unary calls behind them.
  // One connection may carry many thousands of waits (a client multiplexing them all): nghttp2
  // accounts a few hundred bytes to the session per open stream, and at the default limit (10 MB)
  // a session of ~20,000 waits starts refusing streams and is then cut off altogether.
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1_000_000 }, maxSessionMemory: 256 });
  server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    // A reset stream emits 'error'; unheard, that would crash the process. Routes learn of the
    // end from 'close', so here it is only heard.
    stream.on("error", ignore);
    if (raw(stream, headers)) return;
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
    handler(req, res);
  });
  return server;
}

function ignore(): void {}

/** The HTTP/2 connection preface's first bytes; HTTP/1.1 requests never start with them. */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

/**
 * One TCP port for HTTP/1.1 and cleartext HTTP/2. Node 20 ignores `allowHTTP1` without TLS, so
 * each new socket's first bytes decide which server gets it.
 */
export class OnePortListener {
  private readonly tcp: net.Server;
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  /** `raw` serves the HTTP/2 streams it takes (see createH2Server); `handler` serves the rest. */
  constructor(handler: Handler, raw?: StreamRoute) {
    this.h1 = http.createServer(handler);
    this.h2 = createH2Server(handler, raw);
    this.h2.on("session", (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
    });
    this.tcp = net.createServer((socket) => this.route(socket));
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
    socket.once("readable", () => {
      const head: Buffer | null = socket.read();
      if (head === null) return void socket.destroy();
      socket.unshift(head);
      const n = Math.min(head.length, PREFACE.length);
      const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      (isH2 ? this.h2 : this.h1).emit("connection", socket);
    });
  }
}
