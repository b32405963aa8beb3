import type { ConnectError } from "@connectrpc/connect";
import { compressionNegotiate, type Compression } from "@connectrpc/connect/protocol";
import type { Exchange } from "./exchange.js";

/** How a request's messages are written: binary or JSON, one body or enveloped messages. */
export interface WireFormat {
  readonly binary: boolean;
  /** Messages travel in 5-byte envelopes (every gRPC and gRPC-Web call, Connect streams). */
  readonly enveloped: boolean;
}

/**
 * The response headers a call set: its Headers, or only the header every response echoes
 * (x-request-id) kept as text, or none. Most calls set nothing else, and a Headers built for one
 * header (validated, then sorted to be read back) cost more than the rest of the answer's framing.
 */
export type ResponseHead = Headers | readonly [string, string] | undefined;

/** The response of one call, written in its protocol's framing. */
export interface ResponseWriter {
  /** Sends one serialized response message; resolves when the stream can take more. */
  send(data: Uint8Array, header: ResponseHead): Promise<void> | undefined;
  /** Ends the response: success (`error` undefined) or failure, with headers and trailers. */
  end(error: ConnectError | undefined, header: ResponseHead, trailer: Headers | undefined): void;
}

/** The negotiated compression of a call (connect-es's `compressionNegotiate`). */
export interface Negotiated {
  request: Compression | null;
  response: Compression | null;
  error?: ConnectError;
}

/** A request that named no encoding, or identity: its messages are plain (responses always are). */
const IDENTITY: Negotiated = Object.freeze({ request: null, response: null });

/**
 * connect-es's `compressionNegotiate`, skipped for the usual request that names no encoding:
 * the response side it would work out from the accept header is never used (Baton's responses
 * go uncompressed), so the answer is then always "plain". Header names are lower case.
 */
export function negotiate(compressions: Compression[], exchange: Exchange, encodingHeader: string, acceptHeader: string, acceptName: string): Negotiated {
  const requested = exchange.header(encodingHeader);
  if (requested === null || requested === "identity") return IDENTITY;
  return compressionNegotiate(compressions, requested, exchange.header(acceptHeader), acceptName);
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

/** A call's response headers as the plain object Node's HTTP APIs take. */
export function headObject(head: ResponseHead): Record<string, string> {
  if (head === undefined) return {};
  if (head instanceof Headers) return headerObject(head);
  return { [head[0]]: head[1] };
}

/** A call's response headers as a Headers (for connect-es's functions that take one). */
export function headHeaders(head: ResponseHead): Headers {
  if (head instanceof Headers) return head;
  return head === undefined ? new Headers() : new Headers([head as [string, string]]);
}

/** Headers as the plain object Node's HTTP APIs take. */
export function headerObject(...sources: Array<Headers | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources) source?.forEach((value, key) => (out[key] = value));
  return out;
}
