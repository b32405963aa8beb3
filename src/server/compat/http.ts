import type * as http from "node:http";
import type * as http2 from "node:http2";
import { BatonError, type ErrorCode } from "../../engine/errors.js";
import { StoreUnavailableError } from "../../store/errors.js";
import { isClientGone } from "../errors.js";

/** A request as both the HTTP/1.1 and the HTTP/2 server hand it over. */
export type Req = http.IncomingMessage | http2.Http2ServerRequest;
/** A response of either server. */
export type Res = http.ServerResponse | http2.Http2ServerResponse;

/** One request routed to a layer: the path below its prefix, the query, and ways to answer. */
export interface Call {
  req: Req;
  res: Res;
  method: string;
  /** The path below the layer's mount, always starting with "/" ("/grab/abc"). */
  path: string;
  query: URLSearchParams;
  /** Aborted when the client goes away before the answer is complete. */
  signal: AbortSignal;
  /** An API key admitted the caller (it replaces a layer's own credentials, e.g. Locker's Basic auth). */
  viaKey?: boolean;
}

/** Thrown when a body is larger than allowed; answered as 413. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

/** Reads the whole body, refusing more than `limit` bytes. */
export async function readBody(req: Req, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new BodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Thrown for a body that cannot be read as the parameters it claims to carry; answered as 400. */
export class BadBody extends Error {}

/**
 * Request parameters from the query, then a JSON, urlencoded or multipart body (a body that
 * starts with `{` is JSON whatever its content type, since `curl -d '{…}'` labels it urlencoded).
 * Later sources win. Only text values are kept; numbers and booleans in JSON become text.
 */
export async function readParams(call: Call, limit: number): Promise<Map<string, string>> {
  const params = new Map<string, string>();
  for (const [key, value] of call.query) params.set(key, value);
  const body = await readBody(call.req, limit);
  if (body.length === 0) return params;
  const type = String(call.req.headers["content-type"] ?? "").toLowerCase();
  const text = body.toString("utf8");
  if (text.trimStart().startsWith("{") || type.startsWith("application/json")) {
    for (const [key, value] of Object.entries(parseJsonObject(text))) {
      if (typeof value === "string") params.set(key, value);
      else if (typeof value === "number" || typeof value === "boolean") params.set(key, String(value));
    }
  } else if (type.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await new Response(body, { headers: { "content-type": type } }).formData();
    } catch (error) {
      throw new BadBody(`the multipart body cannot be read (${(error as Error).message})`);
    }
    for (const [key, value] of form) params.set(key, typeof value === "string" ? value : await value.text());
  } else {
    for (const [key, value] of new URLSearchParams(text)) params.set(key, value);
  }
  return params;
}

/** Parses a body that must be one JSON object. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadBody(`the body is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BadBody("the body must be a JSON object");
  return value as Record<string, unknown>;
}

/** Decodes a percent-encoded path segment; malformed encoding is the client's error, not a 500. */
export function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadBody(`the path ${JSON.stringify(segment.slice(0, 100))} is not valid percent-encoding`);
  }
}

/**
 * Answers with exactly `body`: the layers reproduce their originals' bytes (no added newline),
 * so each one says which content type and line ending its original sent.
 */
export function sendRaw(res: Res, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  // The client may have gone away while the answer was being prepared.
  if (res.writableEnded || res.destroyed) return;
  (res as http.ServerResponse).writeHead(status, { "cache-control": "no-store", ...headers, "content-type": contentType });
  res.end(body);
}

/**
 * JSON as Go's encoding/json writes it (Locker's and web-rendezvous's originals): `<`, `>`, `&`,
 * U+2028 and U+2029 escaped, no trailing newline.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Answers with `JSON.stringify(body)` and a trailing newline, as Flask's jsonify does. */
export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, status, JSON.stringify(body) + "\n", "application/json", headers);
}

/** Answers with a plain-text body, without a trailing newline (clients compare it exactly). */
export function sendText(res: Res, status: number, body: string): void {
  sendRaw(res, status, body, "text/plain; charset=utf-8");
}

/** Answers with an HTML page. */
export function sendHtml(res: Res, status: number, body: string): void {
  sendRaw(res, status, body, "text/html; charset=utf-8");
}

/**
 * What went wrong, for a layer to put in its own API's words: an engine error's code, or one of
 * the edge's own failures. Layers never show the engine's message, which is written for the
 * Connect API ("retry with wait_ms > 0 or the Wait stream" means nothing to a WebMutex script).
 */
export type Failure = ErrorCode | "bad_body" | "too_large" | "internal";

/** Classifies an error thrown while answering. */
export function failureOf(error: unknown): Failure {
  if (error instanceof BadBody) return "bad_body";
  if (error instanceof BodyTooLarge) return "too_large";
  if (error instanceof StoreUnavailableError) return "unavailable";
  if (error instanceof BatonError) return error.code;
  return "internal";
}

/** Whether `error` is an engine error with this code. */
export function isCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof BatonError && error.code === code;
}

/** Logs an unexpected error with its stack; the client gets a short answer in its layer's terms. */
export function logUnexpected(layer: string, error: unknown, log: (message: string) => void): void {
  // A client that hung up mid-request is not unexpected: nothing to log.
  if (isClientGone(error)) return;
  log(`baton: compat ${layer}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

/** A signal that aborts when the client disconnects before the response is complete. */
export function clientGone(res: Res): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new BatonError("canceled", "the client went away"));
  };
  res.once("close", onClose);
  return { signal: controller.signal, dispose: () => res.off("close", onClose) };
}
