import type * as http from "node:http";
import type * as http2 from "node:http2";
import { pageBundle, type PageBundle } from "./bundle.js";
import { PAGE_HTML } from "./html.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/** No inline script or style, nothing from another origin; the page may not be framed. */
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /ui`: the live page (see page/main.ts), with its script and stylesheet at `/ui/app.js` and
 * `/ui/app.css`. Returns false for every other path, so other routes may answer it.
 */
export function webPageRoute(log: (message: string) => void = (m) => console.error(m)) {
  return (req: Request, res: Response): boolean => {
    const path = (req.url ?? "").split("?")[0];
    const asset = path === "/ui/app.js" ? "js" : path === "/ui/app.css" ? "css" : undefined;
    if (asset === undefined && path !== "/ui" && path !== "/ui/") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      (res as http.ServerResponse).writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("The live page answers GET only.\n");
      return true;
    }
    if (asset === undefined) {
      send(req, res, 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" }, PAGE_HTML);
      return true;
    }
    pageBundle().then(
      (bundle) => sendAsset(req, res, bundle, asset),
      (error: unknown) => {
        log(`baton: the live page's bundle could not be made: ${error instanceof Error ? error.message : String(error)}`);
        send(req, res, 500, { "content-type": "text/plain; charset=utf-8" }, "The live page's script could not be built; see the server log.\n");
      },
    );
    return true;
  };
}

function sendAsset(req: Request, res: Response, bundle: PageBundle, asset: "js" | "css"): void {
  const type = asset === "js" ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
  const headers: Record<string, string> = { "content-type": type, "cache-control": "no-cache", etag: bundle.etag, vary: "accept-encoding" };
  if (req.headers["if-none-match"] === bundle.etag) return send(req, res, 304, headers, "");
  if (!/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) return send(req, res, 200, headers, bundle[asset]);
  send(req, res, 200, { ...headers, "content-encoding": "gzip" }, asset === "js" ? bundle.jsGzip : bundle.cssGzip);
}

function send(req: Request, res: Response, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (res.headersSent || res.destroyed) return;
  (res as http.ServerResponse).writeHead(status, {
    ...headers,
    "content-security-policy": POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  });
  if (req.method === "HEAD" || status === 304) res.end();
  else res.end(body);
}
