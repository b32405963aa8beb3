import { Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import type { Exchange } from "./exchange.js";
import type { Route } from "./methods.js";
import type { Protocol, WireFormat } from "./protocol.js";

/** A request to an RPC path that cannot be a call: the HTTP status and what to do instead. */
export interface Misuse {
  status: number;
  error: ConnectError;
  headers?: Record<string, string>;
}

const STREAM_TYPES = "application/connect+json or application/connect+proto (enveloped messages)";
const UNARY_TYPES = "application/json or application/proto";
const ALL_TYPES = `${UNARY_TYPES} (Connect), application/grpc (gRPC over HTTP/2) or application/grpc-web+proto`;

/**
 * Why a request to an RPC path cannot be served, in words that say what to do; undefined when it
 * can. Each answer has a one-line JSON body, so a curl user sees more than a bare status.
 */
export function misuse(exchange: Exchange, route: Route | undefined, protocol: Protocol | undefined, format: WireFormat | undefined): Misuse | undefined {
  const path = exchange.path;
  if (route === undefined) {
    const service = path.slice(1, path.lastIndexOf("/"));
    return { status: 404, error: new ConnectError(`${service} has no method "${path.slice(path.lastIndexOf("/") + 1)}"; see proto/ for its methods`, Code.Unimplemented) };
  }
  const name = route.method.name;
  if (exchange.method !== "POST") {
    return { status: 405, error: new ConnectError(`${name} is called with POST, not ${exchange.method}`, Code.Unimplemented), headers: { allow: "POST" } };
  }
  const streaming = route.kind !== "unary";
  const expected = streaming ? `${STREAM_TYPES} for Connect, application/grpc or application/grpc-web+proto` : ALL_TYPES;
  if (protocol === undefined || format === undefined) {
    const given = exchange.header("content-type");
    const what = given === null ? "no content-type" : `content-type ${JSON.stringify(given)}`;
    return { status: 415, error: new ConnectError(`${name} was sent with ${what}; send ${expected}, e.g. -H 'content-type: application/json'`, Code.InvalidArgument) };
  }
  if (protocol.name === "connect" && format.enveloped !== streaming) {
    const hint = streaming
      ? `${name} is a stream: send ${STREAM_TYPES}; \`baton\` (the CLI) and \`scripts/connect-stream\` do it for you`
      : `${name} is a unary call: send ${UNARY_TYPES}`;
    return { status: 415, error: new ConnectError(hint, Code.InvalidArgument) };
  }
  if (exchange.httpVersion === "1.1") {
    if (protocol.name === "grpc") return { status: 505, error: new ConnectError("gRPC needs HTTP/2; use h2c (e.g. curl --http2-prior-knowledge) or gRPC-Web / Connect over HTTP/1.1", Code.Unimplemented) };
    if (route.kind === "bidi_streaming" || route.kind === "client_streaming") {
      return {
        status: 505,
        error: new ConnectError(`${name} is a bidirectional stream and needs HTTP/2 (e.g. curl --http2-prior-knowledge); over HTTP/1.1 use the unary calls`, Code.Unimplemented),
      };
    }
  }
  return undefined;
}

/** Answers a misuse: in the protocol's own framing when it is a call of a known protocol, else as JSON. */
export function answerMisuse(exchange: Exchange, problem: Misuse, protocol: Protocol | undefined, format: WireFormat | undefined): void {
  // A gRPC client expects HTTP 200 and the status in trailers, even for an unknown method.
  if (protocol !== undefined && format !== undefined && protocol.name !== "connect" && problem.status === 404) {
    protocol.writer(exchange, format, { request: null, response: null }).end(problem.error, undefined, undefined);
    return;
  }
  const body = errorToJsonBytes(problem.error, undefined);
  exchange.respond(problem.status === 0 ? codeToHttpStatus(problem.error.code) : problem.status, {
    "content-type": "application/json",
    "content-length": String(body.byteLength),
    ...problem.headers,
  });
  exchange.end(body);
}
