import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { LockEngine } from "../engine/lock-engine.js";
import type { Readiness } from "./readiness.js";

/**
 * `GET /healthz`: 200 while serving, 503 once shutdown has begun, so a load balancer stops
 * sending new work before the streams are ended; it never touches the store, so a stalled store
 * does not make it slow. `GET /readyz` (with `ready`): 200 when the store answers, 503 when it
 * does not or shutdown has begun. Returns whether it answered the request.
 */
export function healthRoute(engine: LockEngine, store: string, ready?: () => Promise<Readiness>) {
  // The kind only (a Redis URL may hold a password; a durable spec names a path).
  const storeKind = store === "memory" ? "memory" : /^rediss?:/.test(store) ? "redis" : "durable";
  // Only `npm run bench` turns this on: it lets the benchmark read the server's heap after a GC.
  const benchMemory = process.env.BATON_BENCH === "1";
  return (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): boolean => {
    if (benchMemory && req.url === "/debug/memory") return answerMemory(res);
    if (ready !== undefined && (req.url === "/readyz" || req.url?.startsWith("/readyz?")) && (req.method === "GET" || req.method === "HEAD")) {
      return answerReady(req.method, res, ready, storeKind);
    }
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

function answerReady(method: string, res: http.ServerResponse | http2.Http2ServerResponse, ready: () => Promise<Readiness>, storeKind: string): boolean {
  const out = res as http.ServerResponse;
  void ready().then((answer) => {
    if (out.writableEnded || out.destroyed) return;
    const body = JSON.stringify(answer.ready ? { status: "ready", store: storeKind } : { status: "not_ready", reason: answer.reason, store: storeKind });
    out.writeHead(answer.ready ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
    out.end(method === "HEAD" ? undefined : body);
  });
  return true;
}
