import type { ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import type { Exchange } from "./exchange.js";

/** How a request's messages are written: binary or JSON, one body or enveloped messages. */
export interface WireFormat {
  readonly binary: boolean;
  /** Messages travel in 5-byte envelopes (every gRPC and gRPC-Web call, Connect streams). */
  readonly enveloped: boolean;
}

/** The response of one call, written in its protocol's framing. */
export interface ResponseWriter {
  /** Sends one serialized response message; resolves when the stream can take more. */
  send(data: Uint8Array, header: Headers | undefined): Promise<void> | undefined;
  /** Ends the response: success (`error` undefined) or failure, with headers and trailers. */
  end(error: ConnectError | undefined, header: Headers | undefined, trailer: Headers | undefined): void;
}

/** The negotiated compression of a call (connect-es's `compressionNegotiate`). */
export interface Negotiated {
  request: Compression | null;
  response: Compression | null;
  error?: ConnectError;
}

/**
 * One RPC protocol (Connect, gRPC, gRPC-Web), described with connect-es's own protocol modules:
 * how to recognise its requests, read their deadline and compression, and frame the response.
 */
export interface Protocol {
  readonly name: "connect" | "grpc" | "grpc-web";
  /** The request's format, or undefined when its content type is not this protocol's. */
  format(contentType: string): WireFormat | undefined;
  /** Whether a content type belongs to this protocol at all, even in a form Baton does not serve. */
  claims(contentType: string): boolean;
  /** The client's deadline (undefined: none), or the protocol's error for a malformed header. */
  timeout(exchange: Exchange): { timeoutMs?: number; error?: ConnectError };
  /** The request's compression and the one to answer with. */
  compression(exchange: Exchange, format: WireFormat): Negotiated;
  /** Starts the response of a call. */
  writer(exchange: Exchange, format: WireFormat, compression: Negotiated): ResponseWriter;
}

/** Largest deadline a client may ask for: the timeout headers' own maximum, not a policy. */
export const MAX_TIMEOUT_MS = Number.MAX_SAFE_INTEGER;

/** Headers as the plain object Node's HTTP APIs take. */
export function headerObject(...sources: Array<Headers | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources) source?.forEach((value, key) => (out[key] = value));
  return out;
}
