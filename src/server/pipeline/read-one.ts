import type { Readable } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressedFlag, envelopeDecompress } from "@connectrpc/connect/protocol";
import { EnvelopeSplitter } from "./envelope-splitter.js";
import type { Negotiated, WireFormat } from "./protocol.js";

/**
 * Reads the single request message of a unary or server-streaming call, not yet parsed, from the
 * body's `data` events: no async iterator, no generator and no promise per chunk (a unary call is
 * one or two chunks, and that machinery cost more than the reading). It answers exactly what
 * `readSingle(requestMessages(...))` answers, with connect-es's own limits and error messages.
 */
export function readOneMessage(body: Readable, format: WireFormat, compression: Negotiated, readMaxBytes: number, lengthHint: string | null): Promise<Uint8Array> {
  return new Promise<Found>((resolve, reject) => {
    const reader = format.enveloped ? new EnvelopeReader(readMaxBytes, compression) : new BodyReader(readMaxBytes, lengthHint, compression);
    let settled = false;
    const finish = (error: unknown, found?: Found): void => {
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
  }).then((found) => decompress(found, compression, readMaxBytes));
}

/** The request message as it came, and whether it must be decompressed. */
interface Found {
  data: Uint8Array;
  compressed: boolean;
}

async function decompress(found: Found, compression: Negotiated, readMaxBytes: number): Promise<Uint8Array> {
  if (!found.compressed || compression.request === null) return found.data;
  return (await envelopeDecompress({ flags: compressedFlag, data: found.data }, compression.request, readMaxBytes)).data;
}

function tooLarge(readMaxBytes: number, bytes: number, totalSizeKnown: boolean): ConnectError {
  const size = totalSizeKnown ? `message size ${bytes}` : "message size";
  return new ConnectError(`${size} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
}

function promised(hint: number, received: number): ConnectError {
  return new ConnectError(`protocol error: promised ${hint} bytes, received ${received}`, Code.InvalidArgument);
}

/** The error of a message flagged compressed in a request that named no encoding. */
export function flaggedWithoutEncoding(): ConnectError {
  return new ConnectError("a message is flagged compressed, but the request named no encoding (connect-content-encoding / grpc-encoding)", Code.InvalidArgument);
}

/** What Node's stream iterator throws for a body that closed before its end (the client reset it). */
export function prematureClose(): Error {
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
    private readonly compression: Negotiated,
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

  end(): Found {
    if (this.hint !== undefined && this.count < this.hint) throw promised(this.hint, this.count);
    return { data: concat(this.chunks, this.count), compressed: this.compression.request !== null };
  }
}

/**
 * The body is enveloped messages (gRPC, gRPC-Web, Connect streaming), keeping exactly one
 * request message.
 */
class EnvelopeReader {
  private readonly splitter: EnvelopeSplitter;
  private found: Found | undefined;

  constructor(
    readMaxBytes: number,
    private readonly compression: Negotiated,
  ) {
    this.splitter = new EnvelopeSplitter(readMaxBytes);
  }

  early(): undefined {
    return undefined;
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk, (flags, data) => {
      // Connect's end-stream flag (0b10) and gRPC-Web's trailer flag never start a request message.
      if ((flags & ~compressedFlag) !== 0) return;
      if (this.found !== undefined) throw new ConnectError("this call takes exactly one request message; the client sent more", Code.InvalidArgument);
      const compressed = (flags & compressedFlag) !== 0;
      if (compressed && this.compression.request === null) throw flaggedWithoutEncoding();
      this.found = { data, compressed };
    });
  }

  end(): Found {
    const error = this.splitter.endError();
    if (error !== undefined) throw error;
    if (this.found === undefined) throw new ConnectError("the request has no message; send exactly one", Code.InvalidArgument);
    return this.found;
  }
}
