import type * as http from "node:http";
import type * as http2 from "node:http2";
import type * as net from "node:net";
import { BatonError } from "../../engine/errors.js";
import { identify, requireScope } from "./authorize.js";
import type { AuthState } from "./state.js";
import type { Action, Space } from "./scopes.js";

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

/** What a plain-HTTP route (the live page, a compatibility layer) needs of its caller. */
export interface HttpNeed {
  action: Action;
  /** Names this route may touch anywhere in the space: its key must cover every name there. */
  spaces: readonly Space[];
}

/**
 * How the routes outside the RPC pipeline (the live page, the compatibility layers) ask for a
 * key: the same keys, scopes and rate limits as the pipeline. Returns "open" when no keys are
 * configured, "key" when the caller's key allows `need`, and "refused" when it answered the
 * request itself (401 with a Basic challenge, so that browsers and Locker clients can send the
 * key as a password, 403 naming the missing scope, 429 with `retry-after`).
 */
export function admitHttp(auth: AuthState, req: Req, res: Res, need: HttpNeed): "open" | "key" | "refused" {
  const ring = auth.ring;
  if (ring.open) return "open";
  try {
    const header = req.headers.authorization;
    const principal = identify(ring, Array.isArray(header) ? header[0] : header, req.socket as net.Socket | undefined);
    auth.usage.of(principal).takeCall(principal.limits, Date.now());
    for (const space of need.spaces) requireScope(principal, need.action, space, "");
    if (need.spaces.length === 0) requireScope(principal, need.action);
    return "key";
  } catch (error) {
    auth.noteFailure(error);
    refuse(res, error);
    return "refused";
  }
}

function refuse(res: Res, error: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const e = error instanceof BatonError ? error : new BatonError("internal", "internal error");
  const status = e.code === "unauthenticated" ? 401 : e.code === "permission_denied" ? 403 : e.code === "resource_exhausted" ? 429 : 500;
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "no-store" };
  if (status === 401) headers["www-authenticate"] = 'Basic realm="baton", charset="UTF-8"';
  if (e.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
  (res as http.ServerResponse).writeHead(status, headers);
  res.end(JSON.stringify({ error: e.message, code: e.code, reason: e.reason }) + "\n");
}
