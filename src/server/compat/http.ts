import type * as http from "node:http";
import type * as http2 from "node:http2";
import { BatonError } from "../../engine/errors.js";
import { StoreUnavailableError } from "../../store/errors.js";

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

/** Thrown for a method a route does not take; answered as 405. */
export class WrongMethod extends Error {}

/** Answers with a JSON body. */
export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(body) + "\n", { "content-type": "application/json", ...headers });
}

/** Answers with a plain-text body, without a trailing newline (clients compare it exactly). */
export function sendText(res: Res, status: number, body: string): void {
  send(res, status, body, { "content-type": "text/plain; charset=utf-8" });
}

/** Answers with an HTML page. */
export function sendHtml(res: Res, status: number, body: string): void {
  send(res, status, body, { "content-type": "text/html; charset=utf-8" });
}

function send(res: Res, status: number, body: string, headers: Record<string, string>): void {
  // The client may have gone away while the answer was being prepared.
  if (res.writableEnded || res.destroyed) return;
  (res as http.ServerResponse).writeHead(status, { "cache-control": "no-store", ...headers });
  res.end(body);
}

/** The HTTP status for an engine error, shared by the JSON layers. */
export function statusOf(error: unknown): number {
  if (error instanceof BadBody) return 400;
  if (error instanceof BodyTooLarge) return 413;
  if (error instanceof WrongMethod) return 405;
  if (error instanceof StoreUnavailableError) return 503;
  if (!(error instanceof BatonError)) return 500;
  switch (error.code) {
    case "invalid_argument":
      return 400;
    case "unauthenticated":
      return 401;
    case "permission_denied":
      return 403;
    case "not_found":
      return 404;
    case "failed_precondition":
      return 409;
    case "aborted":
      return 423;
    case "resource_exhausted":
      return 429;
    case "deadline_exceeded":
      return 504;
    case "unavailable":
    case "canceled":
      return 503;
    case "internal":
      return 500;
  }
}

/** The message to show for an error; unexpected ones are logged and hidden. */
export function messageOf(error: unknown, log: (message: string) => void): string {
  if (statusOf(error) !== 500) return (error as Error).message;
  log(`baton: compat: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return "internal error; see the server log";
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
