import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { LockEngine } from "../engine/lock-engine.js";

/**
 * `GET /healthz`: 200 while serving, 503 once shutdown has begun, so a load balancer stops
 * sending new work before the streams are ended. Returns whether it answered the request.
 */
export function healthRoute(engine: LockEngine, store: string) {
  const storeKind = store === "memory" ? "memory" : "redis";
  return (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): boolean => {
    if (req.url !== "/healthz" || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const ok = !engine.closed;
    const body = JSON.stringify({ status: ok ? "ok" : "shutting_down", store: storeKind });
    (res as http.ServerResponse).writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    if (req.method === "HEAD") res.end();
    else res.end(body);
    return true;
  };
}
