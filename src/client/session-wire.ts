import type * as http2 from "node:http2";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope, transformSplitEnvelope } from "@connectrpc/connect/protocol";
import {
  endStreamFlag,
  endStreamFromJson,
  requestHeader as connectRequestHeader,
  validateResponse as validateConnectResponse,
} from "@connectrpc/connect/protocol-connect";
import {
  requestHeader as grpcRequestHeader,
  validateResponse as validateGrpcResponse,
  validateTrailer,
} from "@connectrpc/connect/protocol-grpc";
import { SessionRequestSchema, SessionResponseSchema, type SessionRequest, type SessionResponse } from "../gen/baton/lock/v1/session_pb.js";
import type { StreamPool } from "./stream-pool.js";

/** Opens a Session call: requests go out as they are yielded, answers come back as they arrive. */
export type SessionWire = (requests: AsyncIterable<SessionRequest>, signal: AbortSignal) => AsyncIterable<SessionResponse>;

const PATH = "/baton.lock.v1.LockService/Session";
/** Largest answer the client reads; answers are small (a lease, a queue position). */
const READ_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The Session RPC in binary Connect or gRPC, written on an HTTP/2 stream of `pool` with
 * connect-es's own protocol functions (request headers, envelopes, response validation, the
 * end-of-stream message or gRPC trailers), without connect-es's per-message transform pipeline,
 * which costs more CPU per message than the rest of a session call.
 */
export function sessionWire(pool: StreamPool, protocol: "connect" | "grpc"): SessionWire {
  return (requests, signal) => call(pool, protocol, requests, signal);
}

async function* call(pool: StreamPool, protocol: "connect" | "grpc", requests: AsyncIterable<SessionRequest>, signal: AbortSignal): AsyncGenerator<SessionResponse> {
  const header = protocol === "connect" ? connectRequestHeader("bidi_streaming", true, undefined, undefined, true) : grpcRequestHeader(true, undefined, undefined);
  const stream = await pool.request("POST", PATH, Object.fromEntries(header), {});
  const cancel = (): void => {
    if (!stream.closed) stream.close();
  };
  if (signal.aborted) cancel();
  signal.addEventListener("abort", cancel, { once: true });
  const responded = responseHeaders(stream, protocol);
  const trailers = protocol === "grpc" ? trailersOf(stream) : undefined;
  void pump(stream, requests);
  try {
    const headers = await responded;
    for await (const envelope of transformSplitEnvelope(READ_MAX_BYTES)(stream as AsyncIterable<Uint8Array>)) {
      if ((envelope.flags & endStreamFlag) === endStreamFlag && protocol === "connect") {
        const end = endStreamFromJson(envelope.data);
        if (end.error !== undefined) throw end.error;
        return;
      }
      yield fromBinary(SessionResponseSchema, envelope.data);
    }
    if (trailers !== undefined) {
      validateTrailer(await trailers, headers);
      return;
    }
    throw new ConnectError("the session stream ended without its end-of-stream message", Code.Unavailable);
  } catch (error) {
    if (signal.aborted) throw new ConnectError("the session was cancelled", Code.Canceled);
    throw error instanceof ConnectError ? error : new ConnectError(String(error), Code.Unavailable);
  } finally {
    signal.removeEventListener("abort", cancel);
    cancel();
  }
}

/** The response's headers once they arrive, checked as the protocol says. */
function responseHeaders(stream: http2.ClientHttp2Stream, protocol: "connect" | "grpc"): Promise<Headers> {
  const done = new Promise<Headers>((resolve, reject) => {
    stream.once("response", (raw) => {
      const status = Number(raw[":status"]);
      const headers = toHeaders(raw);
      try {
        if (protocol === "connect") {
          const checked = validateConnectResponse("bidi_streaming", true, status, headers);
          if (checked.isUnaryError) throw checked.unaryError;
        } else {
          const checked = validateGrpcResponse(status, headers);
          if (checked.headerError !== undefined) throw checked.headerError;
        }
        resolve(headers);
      } catch (error) {
        reject(error);
      }
    });
    stream.once("close", () => reject(new ConnectError("the session stream closed before the server answered", Code.Unavailable)));
  });
  done.catch(() => undefined);
  return done;
}

function trailersOf(stream: http2.ClientHttp2Stream): Promise<Headers> {
  const done = new Promise<Headers>((resolve, reject) => {
    stream.once("trailers", (raw) => resolve(toHeaders(raw)));
    stream.once("close", () => reject(new ConnectError("the session stream closed without a status", Code.Unavailable)));
  });
  done.catch(() => undefined);
  return done;
}

/** Writes the requests as they come; ends the client's side when they end. */
async function pump(stream: http2.ClientHttp2Stream, requests: AsyncIterable<SessionRequest>): Promise<void> {
  try {
    for await (const request of requests) {
      if (stream.closed || stream.destroyed) return;
      if (!stream.write(encodeEnvelope(0, toBinary(SessionRequestSchema, request)))) {
        await new Promise((resolve) => stream.once("drain", resolve).once("close", resolve));
      }
    }
    if (!stream.closed && !stream.destroyed) stream.end();
  } catch {
    if (!stream.closed) stream.close();
  }
}

function toHeaders(raw: http2.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith(":") || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : String(value));
  }
  return headers;
}
