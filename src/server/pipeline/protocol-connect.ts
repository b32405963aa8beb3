import type { JsonWriteOptions } from "@bufbuild/protobuf";
import { encodeEnvelope, type Compression } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  contentTypeStreamJson,
  contentTypeStreamProto,
  contentTypeUnaryJson,
  contentTypeUnaryProto,
  createEndStreamSerialization,
  endStreamFlag,
  errorToJsonBytes,
  headerStreamAcceptEncoding,
  headerStreamEncoding,
  headerTimeout,
  headerUnaryAcceptEncoding,
  headerUnaryEncoding,
  parseContentType,
  parseTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import type { Exchange } from "./exchange.js";
import { MAX_TIMEOUT_MS, negotiate, headHeaders, headObject, headerObject, type Protocol, type ResponseHead, type ResponseWriter, type WireFormat } from "./protocol.js";

const UNARY_PROTO: WireFormat = { binary: true, enveloped: false };
const UNARY_JSON: WireFormat = { binary: false, enveloped: false };
const STREAM_PROTO: WireFormat = { binary: true, enveloped: true };
const STREAM_JSON: WireFormat = { binary: false, enveloped: true };

/** The Connect protocol: unary calls as plain bodies, streams in envelopes ending in an end-stream message. */
export function connectProtocol(jsonOptions: Partial<JsonWriteOptions> | undefined, compressions: Compression[]): Protocol {
  const endStream = createEndStreamSerialization(jsonOptions);
  return {
    name: "connect",
    format(contentType) {
      const type = parseContentType(contentType);
      if (type === undefined) return undefined;
      if (type.stream) return type.binary ? STREAM_PROTO : STREAM_JSON;
      return type.binary ? UNARY_PROTO : UNARY_JSON;
    },
    claims(contentType) {
      return parseContentType(contentType) !== undefined;
    },
    timeout(exchange) {
      return parseTimeout(exchange.header(headerTimeout.toLowerCase()), MAX_TIMEOUT_MS);
    },
    compression(exchange, format) {
      const [encoding, accept] = format.enveloped ? [headerStreamEncoding, headerStreamAcceptEncoding] : [headerUnaryEncoding, headerUnaryAcceptEncoding];
      return negotiate(compressions, exchange, encoding.toLowerCase(), accept.toLowerCase(), accept);
    },
    writer(exchange, format) {
      return format.enveloped ? streamWriter(exchange, format, endStream) : unaryWriter(exchange, format, jsonOptions);
    },
  };
}

/** A Connect unary response: one body, the status from the error code, errors as JSON. */
function unaryWriter(exchange: Exchange, format: WireFormat, jsonOptions: Partial<JsonWriteOptions> | undefined): ResponseWriter {
  let body: Uint8Array | undefined;
  return {
    send(data) {
      body = data;
      return undefined;
    },
    end(error, header, trailer) {
      const out = headerObject(trailerMux(headHeaders(header), trailer ?? new Headers()));
      let status = 200;
      let payload: Uint8Array;
      if (error === undefined) {
        out["content-type"] = format.binary ? contentTypeUnaryProto : contentTypeUnaryJson;
        payload = body ?? new Uint8Array(0);
      } else {
        status = codeToHttpStatus(error.code);
        out["content-type"] = contentTypeUnaryJson;
        error.metadata.forEach((value, key) => (out[key] = value));
        payload = errorToJsonBytes(error, jsonOptions);
      }
      out["content-length"] = String(payload.byteLength);
      exchange.respond(status, out);
      exchange.end(payload);
    },
  };
}

/** A Connect stream: enveloped messages, then an end-stream message with the error and trailers. */
function streamWriter(exchange: Exchange, format: WireFormat, endStream: ReturnType<typeof createEndStreamSerialization>): ResponseWriter {
  return new ConnectStreamWriter(exchange, format.binary, endStream);
}

/** A class, not closures: a waiting stream keeps its writer for hours, 100,000 at a time. */
class ConnectStreamWriter implements ResponseWriter {
  private started = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly binary: boolean,
    private readonly endStream: ReturnType<typeof createEndStreamSerialization>,
  ) {}

  send(data: Uint8Array, header: ResponseHead): Promise<void> | undefined {
    if (!this.started) this.start(header);
    return this.exchange.write(encodeEnvelope(0, data));
  }

  end(error: import("@connectrpc/connect").ConnectError | undefined, header: ResponseHead, trailer: Headers | undefined): void {
    if (!this.started) this.start(header);
    this.exchange.end(encodeEnvelope(endStreamFlag, this.endStream.serialize({ metadata: trailer ?? new Headers(), error })));
  }

  private start(header: ResponseHead): void {
    this.started = true;
    this.exchange.respond(200, { ...headObject(header), "content-type": this.binary ? contentTypeStreamProto : contentTypeStreamJson });
  }
}
