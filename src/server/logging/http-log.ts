import type * as http from "node:http";
import type * as http2 from "node:http2";
import { performance } from "node:perf_hooks";
import type { BatonLogger } from "./logger.js";
import { REQUEST_ID_HEADER, requestIdFrom } from "./request-id.js";

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

/**
 * For the plain HTTP routes (compatibility layers, health, metrics, the live page): gives the
 * request its id, echoed in `x-request-id`, and logs it when it ends with a server error, or
 * always with `accessLog`. Only the path's first segment is logged: the rest may hold a lock
 * name or, in a compatibility layer's URL, a holder's secret.
 */
export function httpLog(logger: BatonLogger, options: { accessLog: boolean }) {
  return (req: Req, res: Res): void => {
    const header = req.headers[REQUEST_ID_HEADER];
    const requestId = requestIdFrom(Array.isArray(header) ? header[0] : header);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const startedAt = performance.now();
    res.once("finish", () => {
      const status = res.statusCode;
      if (status < 500 && !options.accessLog) return;
      const line = {
        event: status >= 500 ? "http_failed" : "http",
        method: req.method,
        route: routeOf(req.url),
        status,
        requestId,
        durationMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
      };
      if (status >= 500) logger.error(line, "request failed");
      else logger.info(line, "request");
    });
  };
}

/** The first segment of a URL's path ("/healthz", "/ui", "/v1"), never its query or the rest. */
export function routeOf(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  const match = /^\/[^/]*/.exec(path);
  return match === null ? "/" : match[0].slice(0, 64);
}
