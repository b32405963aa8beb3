import type * as http from "node:http";
import type * as http2 from "node:http2";

/**
 * The answer to a path nobody serves: 404 with a line saying where things are, rather than an
 * empty body a curl user cannot tell from a network problem.
 */
export function notFound(req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const body = JSON.stringify({
    code: "not_found",
    message: `nothing is served at ${path}; the API is POST /baton.lock.v1.LockService/<Method>, /baton.lock.v1.ElectionService/<Method> and /baton.rendezvous.v1.RendezvousService/<Method>, the live page is /ui, health is /healthz`,
  });
  (res as http.ServerResponse).writeHead(404, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  if (req.method === "HEAD") res.end();
  else res.end(body);
}
