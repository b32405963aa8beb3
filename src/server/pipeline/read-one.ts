import type { Readable } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Negotiated } from "./protocol.js";

/**
 * Reads the body of a Connect unary call (the whole body is the message: no envelopes) from its
 * `data` events: no async iterator, no generator and no promise per chunk (a unary call is one or
 * two chunks, and that machinery cost more than the reading). It answers what connect-es's
 * `readAllBytes` answers, with its limits and error messages. Enveloped bodies are split by
 * connect-es's own protocol functions (read.ts).
 */
export function readBody(body: Readable, compression: Negotiated, readMaxBytes: number, lengthHint: string | null): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const reader = new BodyReader(readMaxBytes, lengthHint);
    let settled = false;
    const finish = (error: unknown, found?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
      // What is still to come is dropped (as the iterator's early return left it): the answer,
      // an error, still has to be written, and the exchange stops a client still sending.
      if (error !== undefined) reject(error);
      else resolve(found!);
    };
    const onData = (chunk: Uint8Array): void => {
      try {
        reader.push(chunk);
      } catch (error) {
        finish(error);
      }
    };
    const onEnd = (): void => {
      try {
        finish(undefined, reader.end());
      } catch (error) {
        finish(error);
      }
    };
    const onError = (error: unknown): void => finish(error);
    const onClose = (): void => finish(prematureClose());
    const already = reader.early();
    if (already !== undefined) return finish(already);
    if (body.destroyed) return finish(prematureClose());
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
    body.on("close", onClose);
  }).then((bytes) => (compression.request === null ? bytes : compression.request.decompress(bytes, readMaxBytes)));
}

function tooLarge(readMaxBytes: number, bytes: number, totalSizeKnown: boolean): ConnectError {
  const size = totalSizeKnown ? `message size ${bytes}` : "message size";
  return new ConnectError(`${size} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
}

function promised(hint: number, received: number): ConnectError {
  return new ConnectError(`protocol error: promised ${hint} bytes, received ${received}`, Code.InvalidArgument);
}

/** What Node's stream iterator throws for a body that closed before its end (the client reset it). */
function prematureClose(): Error {
  return Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}

function concat(chunks: ReadonlyArray<Uint8Array>, length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

/** The whole body is the message (Connect unary): connect-es's readAllBytes, on events. */
class BodyReader {
  private readonly chunks: Uint8Array[] = [];
  private count = 0;
  private readonly hint: number | undefined;

  constructor(
    private readonly readMaxBytes: number,
    lengthHint: string | null,
  ) {
    const n = lengthHint === null ? NaN : parseInt(lengthHint, 10);
    this.hint = Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }

  early(): ConnectError | undefined {
    if (this.hint !== undefined && this.hint > this.readMaxBytes) return tooLarge(this.readMaxBytes, this.hint, true);
    return undefined;
  }

  push(chunk: Uint8Array): void {
    this.count += chunk.byteLength;
    if (this.hint !== undefined) {
      if (this.count > this.hint) throw promised(this.hint, this.count);
    } else if (this.count > this.readMaxBytes) throw tooLarge(this.readMaxBytes, this.count, false);
    this.chunks.push(chunk);
  }

  end(): Uint8Array {
    if (this.hint !== undefined && this.count < this.hint) throw promised(this.hint, this.count);
    return concat(this.chunks, this.count);
  }
}
