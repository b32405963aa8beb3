import * as http2 from "node:http2";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import { SessionRequestSchema, SessionResponseSchema, type SessionRequest, type SessionResponse } from "../gen/baton/lock/v1/session_pb.js";
import type { StreamPool } from "./stream-pool.js";

/** Opens a Session call: requests go out as they are yielded, answers come back as they arrive. */
export type SessionWire = (requests: AsyncIterable<SessionRequest>, signal: AbortSignal) => AsyncIterable<SessionResponse>;

const END_STREAM = 0x02;

/**
 * The Session RPC in the Connect streaming protocol (binary), written straight on an HTTP/2
 * stream of `pool`: 5-byte envelopes around each message and a JSON end-of-stream message.
 * It skips connect-es's per-message pipeline, which costs more CPU than the rest of a session
 * call; every Connect server (Baton's raw route or its Connect router) understands it.
 */
export function rawSessionWire(pool: StreamPool): SessionWire {
  return (requests, signal) => call(pool, requests, signal);
}

async function* call(pool: StreamPool, requests: AsyncIterable<SessionRequest>, signal: AbortSignal): AsyncGenerator<SessionResponse> {
  const stream = await pool.request("POST", "/baton.lock.v1.LockService/Session", { "content-type": "application/connect+proto" }, {});
  const cancel = (): void => stream.close(http2.constants.NGHTTP2_CANCEL);
  if (signal.aborted) cancel();
  signal.addEventListener("abort", cancel, { once: true });
  const status = new Promise<void>((resolve, reject) => {
    stream.once("response", (headers) => {
      const type = String(headers["content-type"] ?? "");
      if (headers[":status"] === 200 && type.startsWith("application/connect+proto")) resolve();
      else reject(new ConnectError(`the server answered the session with HTTP ${headers[":status"]} (${type})`, httpCode(Number(headers[":status"]))));
    });
    stream.once("close", () => reject(new ConnectError("the session stream closed before the server answered", Code.Unavailable)));
  });
  status.catch(() => undefined);
  void pump(stream, requests);
  try {
    await status;
    let buffer: Buffer = Buffer.alloc(0);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (buffer.length >= 5) {
        const length = buffer.readUInt32BE(1);
        if (buffer.length < 5 + length) break;
        const flags = buffer[0]!;
        const body = buffer.subarray(5, 5 + length);
        buffer = buffer.subarray(5 + length);
        if ((flags & END_STREAM) !== 0) return endOfStream(body);
        yield fromBinary(SessionResponseSchema, body);
      }
    }
    throw new ConnectError("the session stream ended without its end-of-stream message", Code.Unavailable);
  } catch (error) {
    if (signal.aborted) throw new ConnectError("the session was cancelled", Code.Canceled);
    throw error instanceof ConnectError ? error : new ConnectError(String(error), Code.Unavailable);
  } finally {
    signal.removeEventListener("abort", cancel);
    if (!stream.closed) cancel();
  }
}

/** Writes the requests as they come; ends our side when they end. */
async function pump(stream: http2.ClientHttp2Stream, requests: AsyncIterable<SessionRequest>): Promise<void> {
  try {
    for await (const request of requests) {
      if (stream.closed || stream.destroyed) return;
      const data = toBinary(SessionRequestSchema, request);
      const frame = Buffer.allocUnsafe(5 + data.length);
      frame[0] = 0;
      frame.writeUInt32BE(data.length, 1);
      frame.set(data, 5);
      if (!stream.write(frame)) await new Promise((resolve) => stream.once("drain", resolve).once("close", resolve));
    }
    if (!stream.closed && !stream.destroyed) stream.end();
  } catch {
    stream.close(http2.constants.NGHTTP2_CANCEL);
  }
}

/** Returns normally for `{}`; throws the error a Connect end-of-stream message carries. */
function endOfStream(body: Buffer): void {
  let parsed: { error?: { code?: string; message?: string } };
  try {
    parsed = JSON.parse(body.toString("utf8")) as typeof parsed;
  } catch {
    throw new ConnectError("the session ended with an unreadable end-of-stream message", Code.Internal);
  }
  if (parsed.error !== undefined) {
    throw new ConnectError(parsed.error.message ?? "", codeFromString(parsed.error.code ?? "") ?? Code.Unknown);
  }
}

function httpCode(status: number): Code {
  if (status === 404) return Code.Unimplemented;
  if (status === 401) return Code.Unauthenticated;
  if (status === 403) return Code.PermissionDenied;
  if (status === 429 || status === 502 || status === 503 || status === 504) return Code.Unavailable;
  return Code.Unknown;
}
