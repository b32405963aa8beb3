import { compressionNegotiate, encodeEnvelope, type Compression } from "@connectrpc/connect/protocol";
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
import { MAX_TIMEOUT_MS, headerObject, type Protocol, type ResponseWriter, type WireFormat } from "./protocol.js";

const PROTO: WireFormat = { binary: true, enveloped: true };
const JSON_FORMAT: WireFormat = { binary: false, enveloped: true };

function negotiate(exchange: Exchange, compressions: Compression[]): ReturnType<typeof compressionNegotiate> {
  return compressionNegotiate(compressions, exchange.header(headerEncoding.toLowerCase()), exchange.header(headerAcceptEncoding.toLowerCase()), headerAcceptEncoding);
}

function deadline(exchange: Exchange): { timeoutMs?: number; error?: import("@connectrpc/connect").ConnectError } {
  return parseTimeout(exchange.header(headerTimeout.toLowerCase()), MAX_TIMEOUT_MS);
}

/** The trailers of a finished call: the handler's, and grpc-status (with the error's details). */
function statusTrailers(error: Parameters<typeof setTrailerStatus>[1], trailer: Headers | undefined): Headers {
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
    compression: (exchange) => negotiate(exchange, compressions),
    writer(exchange, format): ResponseWriter {
      // Responses go uncompressed (identity), which every client accepts; Baton's messages are small.
      let started = false;
      const start = (header: Headers | undefined): void => {
        started = true;
        exchange.respond(200, { ...headerObject(header), "content-type": format.binary ? grpcProto : grpcJson }, true);
      };
      return {
        send(data, header) {
          if (!started) start(header);
          return exchange.write(encodeEnvelope(0, data));
        },
        end(error, header, trailer) {
          if (!started) start(header);
          exchange.end(undefined, headerObject(statusTrailers(error, trailer)));
        },
      };
    },
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
    compression: (exchange) => negotiate(exchange, compressions),
    writer(exchange, format): ResponseWriter {
      let started = false;
      const start = (header: Headers | undefined): void => {
        started = true;
        exchange.respond(200, { ...headerObject(header), "content-type": format.binary ? webProto : webJson });
      };
      return {
        send(data, header) {
          if (!started) start(header);
          return exchange.write(encodeEnvelope(0, data));
        },
        end(error, header, trailer) {
          if (!started) start(header);
          exchange.end(encodeEnvelope(trailerFlag, trailerSerialize(statusTrailers(error, trailer))));
        },
      };
    },
  };
}
