import * as http2 from "node:http2";
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { BatonError } from "../engine/errors.js";
import { toConnectError } from "./errors.js";

/**
 * The framing of Connect's streaming protocol, for the raw HTTP/2 routes that serve streams
 * without connect-es's per-call machinery (session-route.ts, stream-routes.ts): every message is
 * an envelope of one flags byte, a 4-byte big-endian length and the message; the last envelope
 * of a response carries END_STREAM and a JSON trailer with the error, if any.
 */
export const CONNECT_PROTO = "application/connect+proto";

const COMPRESSED = 0x01;
const END_STREAM = 0x02;

/**
 * Whether an HTTP/2 request is one a raw route may serve: POST, binary Connect, uncompressed.
 * Everything else (gRPC, gRPC-Web, JSON, compression) is left to the Connect router.
 */
export function takesRaw(headers: http2.IncomingHttpHeaders): boolean {
  if (headers[":method"] !== "POST" || headers["content-type"] !== CONNECT_PROTO) return false;
  const encoding = headers["connect-content-encoding"];
  return encoding === undefined || encoding === "identity";
}

/** The error of a call whose `connect-timeout-ms` passed. */
export function deadlineError(timeoutMs: number): BatonError {
  return new BatonError("deadline_exceeded", `the call's deadline of ${timeoutMs} ms passed`);
}

/**
 * Serves one streaming response: sends the headers, writes each message `produce` yields
 * (waiting while the stream's buffer is full), and ends with the end-of-stream envelope carrying
 * what `produce` threw, if anything. `produce`'s signal aborts when the client resets the stream
 * or `timeoutMs` (the call's deadline) passes.
 */
export async function serveStream<T>(
  stream: http2.ServerHttp2Stream,
  log: (message: string) => void,
  timeoutMs: number | undefined,
  produce: (signal: AbortSignal) => AsyncIterable<T>,
  encode: (message: T) => Uint8Array,
): Promise<void> {
  const response = openResponse(stream, timeoutMs);
  let failure: unknown;
  try {
    for await (const message of produce(response.signal)) await writeMessage(stream, encode(message));
  } catch (error) {
    failure = error;
  }
  response.done();
  finish(stream, failure, log);
}

/**
 * Sends the response headers, and aborts the returned signal when the client resets the stream
 * before `done()` is called (a finished stream also closes, after its end) or when `timeoutMs`
 * (the call's deadline) passes first.
 */
function openResponse(stream: http2.ServerHttp2Stream, timeoutMs?: number): { signal: AbortSignal; done: () => void } {
  const aborted = new AbortController();
  let finished = false;
  stream.once("close", () => {
    if (!finished) aborted.abort(new BatonError("canceled", "the client went away"));
  });
  const deadline =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => aborted.abort(deadlineError(timeoutMs)), timeoutMs);
  respond(stream);
  return {
    signal: aborted.signal,
    done: () => {
      finished = true;
      clearTimeout(deadline);
    },
  };
}

/** Sends the response headers of a Connect stream, unless the client has already reset it. */
export function respond(stream: http2.ServerHttp2Stream): void {
  if (!stream.destroyed && !stream.headersSent) stream.respond({ ":status": 200, "content-type": CONNECT_PROTO });
}

/** Writes one message, waiting while the stream's buffer is full (or until it closes). */
async function writeMessage(stream: http2.ServerHttp2Stream, data: Uint8Array): Promise<void> {
  if (stream.destroyed || stream.write(envelope(data))) return;
  await new Promise<void>((resolve) => {
    const go = (): void => {
      stream.off("drain", go);
      stream.off("close", go);
      resolve();
    };
    stream.on("drain", go);
    stream.on("close", go);
  });
}

/**
 * Ends the response with its end-of-stream envelope, unless the client already reset it. A client
 * still sending (the RPC failed on a bad message) is then told to stop with RST_STREAM(NO_ERROR),
 * as HTTP/2 provides for a response that is complete before its request.
 */
export function finish(stream: http2.ServerHttp2Stream, error: unknown, log: (message: string) => void): void {
  if (stream.destroyed || stream.closed) return;
  stream.end(endStream(error, log), () => {
    if (!stream.readableEnded && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
  });
}

/**
 * The request body's chunks. Leaving the loop early (a bad message) must not destroy the stream,
 * which would reset it before the end-of-stream envelope that says what was wrong.
 */
export function requestChunks(stream: http2.ServerHttp2Stream): AsyncIterable<Buffer> {
  return stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
}

/** A valid `connect-timeout-ms` (ten digits at most); a malformed one is the router's to reject. */
const TIMEOUT_PATTERN = /^\d{1,10}$/;

/**
 * The call's deadline from `connect-timeout-ms`: undefined when there is none, false when it is
 * malformed (the request should then go to the Connect router, which answers with the protocol's
 * own error).
 */
export function timeoutHeader(headers: http2.IncomingHttpHeaders): number | undefined | false {
  const value = headers["connect-timeout-ms"];
  if (value === undefined) return undefined;
  return typeof value === "string" && TIMEOUT_PATTERN.test(value) ? Number(value) : false;
}

/** One message framed as a data envelope. */
export function envelope(data: Uint8Array): Buffer {
  return frame(0, data);
}

/** The end-of-stream envelope: `{}` on success, the error's code and message otherwise. */
export function endStream(error: unknown, log: (message: string) => void): Buffer {
  if (error === undefined) return frame(END_STREAM, Buffer.from("{}"));
  const e = error instanceof ConnectError ? error : toConnectError(error, log);
  return frame(END_STREAM, Buffer.from(JSON.stringify({ error: { code: codeToString(e.code), message: e.rawMessage } })));
}

/**
 * The data envelopes of a request body, as they arrive. Throws `resource_exhausted` for a message
 * over `maxBytes`, `invalid_argument` for a compressed one or a body that ends inside a message.
 */
export async function* readEnvelopes(body: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (buffer.length >= 5) {
      const flags = buffer[0]!;
      const length = buffer.readUInt32BE(1);
      if (length > maxBytes) throw new BatonError("resource_exhausted", `a message of ${length} bytes exceeds the limit of ${maxBytes}`);
      if (buffer.length < 5 + length) break;
      const data = buffer.subarray(5, 5 + length);
      buffer = buffer.subarray(5 + length);
      if ((flags & COMPRESSED) !== 0) throw new BatonError("invalid_argument", "compressed messages are not accepted here; send them uncompressed");
      if ((flags & END_STREAM) !== 0) continue;
      yield data;
    }
  }
  if (buffer.length > 0) throw new BatonError("invalid_argument", "the request stream ended inside a message");
}

function frame(flags: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + data.length);
  out[0] = flags;
  out.writeUInt32BE(data.length, 1);
  out.set(data, 5);
  return out;
}

/** The one request message of a server-streaming call. */
export async function readOne<T extends DescMessage>(schema: T, body: AsyncIterable<Buffer>, maxBytes: number): Promise<MessageShape<T>> {
  let data: Uint8Array | undefined;
  for await (const message of readEnvelopes(body, maxBytes)) {
    if (data !== undefined) throw new BatonError("invalid_argument", "a server-streaming call takes exactly one request message; this one sent more");
    data = message;
  }
  if (data === undefined) throw new BatonError("invalid_argument", "the request has no message; send exactly one");
  try {
    return fromBinary(schema, data);
  } catch (error) {
    throw new BatonError("invalid_argument", `the request is not a valid ${schema.typeName}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
