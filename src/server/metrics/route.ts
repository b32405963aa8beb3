import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { BatonMetrics } from "./metrics.js";

/** The path metrics are served at, on the main port (`metrics: true`) or on `metricsListen`. */
export const METRICS_PATH = "/metrics";

/**
 * `GET /metrics`: the Prometheus text exposition. A plain path and nothing else, so that an auth
 * scope can guard it on the main port like any other route. Returns whether it answered.
 */
export function metricsRoute(metrics: BatonMetrics) {
  return (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): boolean => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== METRICS_PATH) return false;
    const out = res as http.ServerResponse;
    if (req.method !== "GET" && req.method !== "HEAD") {
      out.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      out.end("use GET /metrics\n");
      return true;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        out.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
        out.end(req.method === "HEAD" ? undefined : body);
      },
      (error: unknown) => {
        if (!out.headersSent) out.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        out.end(`metrics could not be collected: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
    return true;
  };
}
