import type * as http from "node:http";
import type * as http2 from "node:http2";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { SessionRequestSchema, SessionResponseSchema, type SessionRequest } from "../gen/baton/v1/lock_pb.js";
import { BatonError } from "../engine/errors.js";
import type { LockEngine } from "../engine/lock-engine.js";
import { sessionHandler, type SessionOptions } from "./session-service.js";
import { toConnectError } from "./errors.js";

const PATH = "/baton.v1.LockService/Session";
const CONTENT_TYPE = "application/connect+proto";
/** Envelope flags of the Connect streaming protocol. */
const COMPRESSED = 0x01;
const END_STREAM = 0x02;

/** Options of the raw Session route: session timing plus the largest request message. */
export interface SessionRouteOptions extends SessionOptions {
  readMaxBytes?: number;
}

/**
 * The Session RPC served straight on the HTTP/2 stream for Connect clients speaking binary
 * protobuf (the TypeScript client): the same handler as the Connect router's, minus connect-es's
 * per-message pipeline, which costs more CPU than Baton's own work for every message. Requests it
 * does not take (gRPC, JSON, compression, HTTP/1.1) fall through to the Connect router, so mount
 * it in front: `if (sessionRoute(req, res)) return;`. Returns whether it took the request.
 */
export function sessionRoute(engine: LockEngine, log: (message: string) => void, options: SessionRouteOptions = {}) {
  const handler = sessionHandler(engine, log, options);
  const maxBytes = options.readMaxBytes ?? 256 * 1024;
  return (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): boolean => {
    if (req.httpVersionMajor !== 2 || req.method !== "POST" || req.url !== PATH) return false;
    if (req.headers["content-type"] !== CONTENT_TYPE) return false;
    const encoding = req.headers["connect-content-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    void serve(handler, req as http2.Http2ServerRequest, res as http2.Http2ServerResponse, maxBytes, log);
    return true;
  };
}

async function serve(
  handler: ReturnType<typeof sessionHandler>,
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  maxBytes: number,
  log: (message: string) => void,
): Promise<void> {
  const aborted = new AbortController();
  // A reset stream closes before the response ends; a finished one closes after.
  let finished = false;
  req.stream.once("close", () => {
    if (!finished) aborted.abort(new BatonError("canceled", "the client went away"));
  });
  res.writeHead(200, { "content-type": CONTENT_TYPE });
  let trailer: object = {};
  try {
    for await (const message of handler(readRequests(req, maxBytes), { signal: aborted.signal })) {
      if (!res.write(envelope(0, toBinary(SessionResponseSchema, message)))) {
        await new Promise<void>((resolve) => {
          res.once("drain", resolve);
          req.stream.once("close", resolve);
        });
      }
    }
  } catch (error) {
    const e = error instanceof ConnectError ? error : toConnectError(error, log);
    trailer = { error: { code: codeToString(e.code), message: e.rawMessage } };
  }
  finished = true;
  if (!req.stream.destroyed) res.end(envelope(END_STREAM, Buffer.from(JSON.stringify(trailer))));
}

/** The request envelopes of the stream, decoded; a bad envelope ends the RPC with its error. */
async function* readRequests(req: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<SessionRequest> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const chunk of req) {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (buffer.length >= 5) {
      const flags = buffer[0]!;
      const length = buffer.readUInt32BE(1);
      if (length > maxBytes) throw new BatonError("resource_exhausted", `a message of ${length} bytes exceeds the limit of ${maxBytes}`);
      if (buffer.length < 5 + length) break;
      const body = buffer.subarray(5, 5 + length);
      buffer = buffer.subarray(5 + length);
      if ((flags & COMPRESSED) !== 0) throw new BatonError("invalid_argument", "compressed messages are not accepted here; send them uncompressed");
      if ((flags & END_STREAM) !== 0) continue;
      let message: SessionRequest;
      try {
        message = fromBinary(SessionRequestSchema, body);
      } catch (error) {
        throw new BatonError("invalid_argument", `a request is not a valid SessionRequest: ${error instanceof Error ? error.message : String(error)}`);
      }
      yield message;
    }
  }
  if (buffer.length > 0) throw new BatonError("invalid_argument", "the request stream ended inside a message");
}

function envelope(flags: number, data: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + data.length);
  frame[0] = flags;
  frame.writeUInt32BE(data.length, 1);
  frame.set(data, 5);
  return frame;
}
