import type { DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressedFlag, envelopeDecompress, readAllBytes, transformSplitEnvelope, type Serialization } from "@connectrpc/connect/protocol";
import type { Exchange } from "./exchange.js";
import type { AnyMessage } from "./methods.js";
import type { Negotiated, WireFormat } from "./protocol.js";

/**
 * The request messages of a call, as they arrive: one body (Connect unary) or the data envelopes
 * of the body, split and decompressed with connect-es's own protocol functions.
 */
export async function* requestMessages(
  exchange: Exchange,
  format: WireFormat,
  compression: Negotiated,
  readMaxBytes: number,
): AsyncGenerator<Uint8Array> {
  if (!format.enveloped) {
    let bytes = await readAllBytes(exchange.body(), readMaxBytes, exchange.header("content-length"));
    if (compression.request !== null) bytes = await compression.request.decompress(bytes, readMaxBytes);
    yield bytes;
    return;
  }
  for await (const envelope of transformSplitEnvelope(readMaxBytes)(exchange.body())) {
    // Connect's end-stream flag (0b10) and gRPC-Web's trailer flag never start a request message.
    if ((envelope.flags & ~compressedFlag) !== 0) continue;
    const compressed = (envelope.flags & compressedFlag) !== 0;
    if (compressed && compression.request === null) {
      throw new ConnectError("a message is flagged compressed, but the request named no encoding (connect-content-encoding / grpc-encoding)", Code.InvalidArgument);
    }
    const plain = compressed ? await envelopeDecompress(envelope, compression.request, readMaxBytes) : envelope;
    yield plain.data;
  }
}

/** Reads the single request message of a unary or server-streaming call, not yet parsed. */
export async function readSingle(messages: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  let found: Uint8Array | undefined;
  for await (const data of messages) {
    if (found !== undefined) throw new ConnectError("this call takes exactly one request message; the client sent more", Code.InvalidArgument);
    found = data;
  }
  if (found === undefined) throw new ConnectError("the request has no message; send exactly one", Code.InvalidArgument);
  return found;
}

/** Every request message of a client- or bidi-streaming call, parsed as it arrives. */
export async function* readAll(messages: AsyncIterable<Uint8Array>, parse: (data: Uint8Array) => AnyMessage): AsyncGenerator<AnyMessage> {
  for await (const data of messages) yield parse(data);
}

/**
 * The parser of a request: connect-es's serialization, with a message that does not parse
 * answered `invalid_argument` (connect-es says `internal` for binary, as gRPC servers do; but a
 * malformed request is the client's mistake, and the JSON path already says so).
 */
export function requestParser(serialization: Serialization<AnyMessage>, schema: DescMessage): (data: Uint8Array) => AnyMessage {
  return (data) => {
    try {
      return serialization.parse(data);
    } catch (error) {
      const detail = error instanceof ConnectError ? error.rawMessage : String(error);
      throw new ConnectError(`the request is not a valid ${schema.typeName}: ${detail}`, Code.InvalidArgument);
    }
  };
}
