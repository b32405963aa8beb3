import type { ConnectError } from "@connectrpc/connect";
import { encodeEnvelope, type Compression } from "@connectrpc/connect/protocol";
import {
  contentTypeJson as grpcJson,
  contentTypeProto as grpcProto,
  grpcStatusOk,
  headerAcceptEncoding,
  headerEncoding,
  headerGrpcStatus,
  headerTimeout,
  parseContentType as parseGrpc,
  parseTimeout,
  setTrailerStatus,
} from "@connectrpc/connect/protocol-grpc";
import {
  contentTypeJson as webJson,
  contentTypeProto as webProto,
  parseContentType as parseGrpcWeb,
  trailerFlag,
  trailerSerialize,
} from "@connectrpc/connect/protocol-grpc-web";
import type { Exchange } from "./exchange.js";
import { MAX_TIMEOUT_MS, headObject, headerObject, negotiate, type Negotiated, type Protocol, type ResponseHead, type ResponseWriter, type WireFormat } from "./protocol.js";

const PROTO: WireFormat = { binary: true, enveloped: true };
const JSON_FORMAT: WireFormat = { binary: false, enveloped: true };

const ENCODING = headerEncoding.toLowerCase();
const ACCEPT_ENCODING = headerAcceptEncoding.toLowerCase();
const TIMEOUT = headerTimeout.toLowerCase();

function negotiateGrpc(exchange: Exchange, compressions: Compression[]): Negotiated {
  return negotiate(compressions, exchange, ENCODING, ACCEPT_ENCODING, headerAcceptEncoding);
}

function deadline(exchange: Exchange): { timeoutMs?: number; error?: ConnectError } {
  return parseTimeout(exchange.header(TIMEOUT), MAX_TIMEOUT_MS);
}

/** The trailers of a finished call: the handler's, and grpc-status (with the error's details). */
function statusTrailers(error: ConnectError | undefined, trailer: Headers | undefined): Headers {
  const out = new Headers(trailer);
  if (error === undefined) out.set(headerGrpcStatus, grpcStatusOk);
  else setTrailerStatus(out, error);
  return out;
}

/** gRPC over HTTP/2: enveloped messages, the status in HTTP trailers. */
export function grpcProtocol(compressions: Compression[]): Protocol {
  return {
    name: "grpc",
    format(contentType) {
      const type = parseGrpc(contentType);
      return type === undefined ? undefined : type.binary ? PROTO : JSON_FORMAT;
    },
    claims(contentType) {
      return parseGrpc(contentType) !== undefined;
    },
    timeout: deadline,
    compression: (exchange) => negotiateGrpc(exchange, compressions),
    // Responses go uncompressed (identity), which every client accepts; Baton's messages are small.
    writer: (exchange, format) => new EnvelopeWriter(exchange, format.binary ? grpcProto : grpcJson, true),
  };
}

/** gRPC-Web: as gRPC, with the trailers in a last, flagged envelope of the body (HTTP/1.1 or 2). */
export function grpcWebProtocol(compressions: Compression[]): Protocol {
  return {
    name: "grpc-web",
    format(contentType) {
      const type = parseGrpcWeb(contentType);
      // grpc-web-text (base64 bodies) is for browsers without binary fetch; none needs it today.
      if (type === undefined || type.text) return undefined;
      return type.binary ? PROTO : JSON_FORMAT;
    },
    claims(contentType) {
      return parseGrpcWeb(contentType) !== undefined;
    },
    timeout: deadline,
    compression: (exchange) => negotiateGrpc(exchange, compressions),
    writer: (exchange, format) => new EnvelopeWriter(exchange, format.binary ? webProto : webJson, false),
  };
}

/**
 * The response of a gRPC or gRPC-Web call: enveloped messages, then the status, in HTTP trailers
 * (gRPC) or in a last, trailer-flagged envelope (gRPC-Web). A class, not closures: a waiting
 * stream keeps its writer for hours.
 */
class EnvelopeWriter implements ResponseWriter {
  private started = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly contentType: string,
    private readonly httpTrailers: boolean,
  ) {}

  send(data: Uint8Array, header: ResponseHead): Promise<void> | undefined {
    if (!this.started) this.start(header);
    return this.exchange.write(encodeEnvelope(0, data));
  }

  end(error: ConnectError | undefined, header: ResponseHead, trailer: Headers | undefined): void {
    if (!this.started) this.start(header);
    // The common end, a success with no trailers of the handler's: no Headers to build and read back.
    if (this.httpTrailers && error === undefined && trailer === undefined) return this.exchange.end(undefined, { "grpc-status": grpcStatusOk });
    const status = statusTrailers(error, trailer);
    if (this.httpTrailers) this.exchange.end(undefined, headerObject(status));
    else this.exchange.end(encodeEnvelope(trailerFlag, trailerSerialize(status)));
  }

  private start(header: ResponseHead): void {
    this.started = true;
    this.exchange.respond(200, { ...headObject(header), "content-type": this.contentType }, this.httpTrailers);
  }
}
