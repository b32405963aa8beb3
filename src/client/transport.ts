import * as http from "node:http";
import * as https from "node:https";
import type * as tls from "node:tls";
import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { LockService } from "../gen/baton/lock/v1/lock_service_pb.js";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { GuardedSessionManager } from "./guarded-session-manager.js";
import { StreamPool } from "./stream-pool.js";
import { sessionWire as leanSessionWire, type SessionWire } from "./session-wire.js";
import { transportFailures } from "./errors.js";

/** The RPC protocol the client speaks; the server answers all three on one port. */
export type TransportKind = "connect" | "grpc" | "grpc-web";
/** HTTP/1.1, or cleartext (or TLS, for https URLs) HTTP/2. */
export type HttpVersion = "1.1" | "2";

/** How the client reaches the server. */
export interface TransportOptions {
  /** Default "connect". */
  transport?: TransportKind;
  /**
   * Default "2" (cleartext h2c for http:// URLs, TLS for https://), where acquire, release and
   * refresh travel on one Session stream; "1.1" for proxies that cannot carry HTTP/2 (then every
   * operation is a unary call). "grpc" always uses "2".
   */
  httpVersion?: HttpVersion;
  /** JSON instead of binary protobuf on the wire (Connect and gRPC-Web); default false. */
  json?: boolean;
  /** Over HTTP/2, at most this many long-lived streams share one connection; default 100. */
  streamsPerConnection?: number;
  /**
   * Over HTTP/2 (Connect or gRPC), acquire, release and refresh travel on one Session stream and
   * leases belong to the client's session (released when it closes or its process dies); default
   * true. false keeps one unary call per operation, with leases that live by their TTL alone.
   */
  session?: boolean;
  /** The API key to present (`Authorization: Bearer KEY`), for a server with keys configured. */
  apiKey?: string;
  /** For https:// URLs: the CA certificate(s) (PEM) that signed the server's, if not a public CA. */
  caPem?: string | Buffer;
  /** For mTLS: the client certificate and its key (PEM); the certificate's CN names the caller. */
  certPem?: string | Buffer;
  keyPem?: string | Buffer;
}

/** The transports of one client: short unary calls apart from long-lived streams. */
export interface BatonTransports {
  /** Unary calls (acquire-try, release, refresh, describe, list, reserve). */
  readonly unary: Transport;
  /** Server streams (wait, watch), which may stay open for hours. */
  readonly streams: Transport;
  /**
   * Opens Session streams: over HTTP/2 with Connect or gRPC (bidirectional streaming needs
   * both); undefined over HTTP/1.1 and gRPC-Web, where the client uses unary calls.
   */
  readonly session: SessionWire | undefined;
  /** Closes every connection. */
  close(): void;
}

/**
 * Builds the transports for a Baton URL.
 *
 * Over HTTP/2, unary calls get a connection of their own (connect-node's Http2SessionManager) and
 * streams get a StreamPool that respects each connection's stream cap: a server or proxy that caps
 * concurrent streams makes Node's http2 client queue further streams silently, so a unary call
 * sharing a connection with many open Wait streams could starve, and so could further waits. Over HTTP/1.1 every call in flight has its own
 * keep-alive socket, so no call waits behind another.
 */
export function createTransports(url: string, options: TransportOptions = {}): BatonTransports {
  const kind = options.transport ?? "connect";
  const httpVersion = options.httpVersion ?? "2";
  if (kind === "grpc" && httpVersion !== "2") throw new Error("the gRPC transport needs HTTP/2; use httpVersion \"2\"");
  const useBinaryFormat = options.json !== true;
  const baseUrl = new URL(url).toString().replace(/\/$/, "");
  const tlsOptions = tlsOf(options);
  const headers = options.apiKey === undefined ? undefined : { authorization: `Bearer ${options.apiKey}` };
  const interceptors = headers === undefined ? INTERCEPTORS : [...INTERCEPTORS, withHeaders(headers)];

  if (httpVersion === "1.1") {
    const agent = baseUrl.startsWith("https:") ? new https.Agent({ keepAlive: true, ...tlsOptions }) : new http.Agent({ keepAlive: true });
    const build = (): Transport => {
      const common = { baseUrl, httpVersion: "1.1" as const, nodeOptions: { agent }, useBinaryFormat, interceptors };
      return kind === "grpc-web" ? createGrpcWebTransport(common) : createConnectTransport(common);
    };
    const transport = build();
    return { unary: transport, streams: transport, session: undefined, close: () => agent.destroy() };
  }

  const unaryManager = new GuardedSessionManager(baseUrl, undefined, tlsOptions);
  const pool = new StreamPool(baseUrl, options.streamsPerConnection ?? 100, { tls: tlsOptions, headers });
  // The session stream has a connection of its own, and an idle session must not keep the
  // process alive (the session itself holds the process while calls are in flight).
  const sessionPool = new StreamPool(baseUrl, 1, { keepProcessAlive: false, tls: tlsOptions, headers });
  const build = (sessionManager: GuardedSessionManager | StreamPool): Transport => {
    const common = { baseUrl, httpVersion: "2" as const, sessionManager, useBinaryFormat, interceptors };
    if (kind === "grpc") return createGrpcTransport(common);
    if (kind === "grpc-web") return createGrpcWebTransport(common);
    return createConnectTransport(common);
  };
  return {
    unary: build(unaryManager),
    streams: build(pool),
    session: kind === "grpc-web" || options.session === false ? undefined : sessionWire(kind, useBinaryFormat, sessionPool, build),
    close: () => {
      unaryManager.abort();
      pool.abort();
      // Let a session's half-close reach the server, so it releases the session's leases now.
      sessionPool.drain();
    },
  };
}

/** TLS options for https URLs: only what the caller gave (Node's defaults otherwise). */
function tlsOf(options: TransportOptions): tls.ConnectionOptions | undefined {
  const out: tls.ConnectionOptions = {};
  if (options.caPem !== undefined) out.ca = options.caPem;
  if (options.certPem !== undefined) out.cert = options.certPem;
  if (options.keyPem !== undefined) out.key = options.keyPem;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Sends `headers` on every call. */
function withHeaders(headers: Record<string, string>): Interceptor {
  return (next) => (req) => {
    for (const [name, value] of Object.entries(headers)) req.header.set(name, value);
    return next(req);
  };
}

/** Every call's errors pass this: a broken connection is `unavailable`, never a lock's `aborted`. */
const INTERCEPTORS: Interceptor[] = [transportFailures];

/**
 * Binary Connect and gRPC sessions are written on the HTTP/2 stream with connect-es's protocol
 * functions but not its per-message pipeline (which costs more CPU per message than the rest of
 * a session call); JSON sessions go through connect-es's client.
 */
function sessionWire(
  kind: TransportKind,
  binary: boolean,
  pool: StreamPool,
  build: (sessionManager: StreamPool) => Transport,
): SessionWire {
  if (binary && (kind === "connect" || kind === "grpc")) return leanSessionWire(pool, kind);
  const client = createClient(LockService, build(pool));
  return (requests, signal) => client.session(requests, { signal });
}
