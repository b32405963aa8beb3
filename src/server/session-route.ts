import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { SessionRequestSchema, SessionResponseSchema, type SessionRequest } from "../gen/baton/lock/v1/session_pb.js";
import { BatonError } from "../engine/errors.js";
import type { LockEngine } from "../engine/lock-engine.js";
import { sessionHandler, type SessionOptions } from "./session-service.js";
import { readEnvelopes, requestChunks, serveStream, takesRaw } from "./envelope.js";
import type { StreamRoute } from "./listener.js";

const PATH = "/baton.lock.v1.LockService/Session";

/** Options of the raw Session route: session timing plus the largest request message. */
export interface SessionRouteOptions extends SessionOptions {
  readMaxBytes?: number;
}

/**
 * The Session RPC served straight on the HTTP/2 stream for Connect clients speaking binary
 * protobuf (the TypeScript client): the same handler as the Connect router's, minus connect-es's
 * per-message pipeline, which costs more CPU than Baton's own work for every message. Requests it
 * does not take (gRPC, JSON, compression, HTTP/1.1) go to the Connect router.
 */
export function sessionRoute(engine: LockEngine, log: (message: string) => void, options: SessionRouteOptions = {}): StreamRoute {
  const handler = sessionHandler(engine, log, options);
  const maxBytes = options.readMaxBytes ?? 256 * 1024;
  return (stream, headers) => {
    if (headers[":path"] !== PATH || !takesRaw(headers)) return false;
    void serveStream(
      stream,
      log,
      undefined,
      (signal) => handler(readRequests(requestChunks(stream), maxBytes), { signal }),
      (message) => toBinary(SessionResponseSchema, message),
    );
    return true;
  };
}

/** The request messages of the stream, decoded; a bad one ends the RPC with its error. */
async function* readRequests(body: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<SessionRequest> {
  for await (const data of readEnvelopes(body, maxBytes)) {
    let message: SessionRequest;
    try {
      message = fromBinary(SessionRequestSchema, data);
    } catch (error) {
      throw new BatonError("invalid_argument", `a request is not a valid SessionRequest: ${error instanceof Error ? error.message : String(error)}`);
    }
    yield message;
  }
}
