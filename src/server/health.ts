import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { LockEngine } from "../engine/lock-engine.js";

/**
 * `GET /healthz`: 200 while serving, 503 once shutdown has begun, so a load balancer stops
 * sending new work before the streams are ended. Returns whether it answered the request.
 */
export function healthRoute(engine: LockEngine, store: string) {
  // The kind only (a Redis URL may hold a password; a durable spec names a path).
  const storeKind = store === "memory" ? "memory" : /^rediss?:/.test(store) ? "redis" : "durable";
  // Only `npm run bench` turns this on: it lets the benchmark read the server's heap after a GC.
  const benchMemory = process.env.BATON_BENCH === "1";
  return (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): boolean => {
    if (benchMemory && req.url === "/debug/memory") return answerMemory(res);
    if (req.url !== "/healthz" || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const ok = !engine.closed;
    const body = JSON.stringify({ status: ok ? "ok" : "shutting_down", store: storeKind });
    (res as http.ServerResponse).writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    if (req.method === "HEAD") res.end();
    else res.end(body);
    return true;
  };
}

function answerMemory(res: http.ServerResponse | http2.Http2ServerResponse): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  (res as http.ServerResponse).writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ heapUsed, rss, gc: gc !== undefined }));
  return true;
}
