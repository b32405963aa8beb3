import type * as http from "node:http";
import type * as http2 from "node:http2";

/**
 * `GET /ui`: one self-contained page that shows every lock, its holders and its queue, live. It
 * reads the LockService Watch stream with fetch (Connect's JSON streaming), so the page is pushed
 * every change instead of polling, and reconnects with backoff when the stream ends.
 */
export function webPageRoute() {
  return (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): boolean => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/ui" && path !== "/ui/") return false;
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    (res as http.ServerResponse).writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    });
    if (req.method === "HEAD") res.end();
    else res.end(PAGE);
    return true;
  };
}

const SCRIPT = String.raw`
const locks = new Map();
const body = document.getElementById("locks");
const status = document.getElementById("status");
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const until = (t) => t ? Math.max(0, Math.round((Date.parse(t) - Date.now()) / 1000)) + "s" : "never";
function render() {
  const rows = [...locks.values()].sort((a, b) => a.name < b.name ? -1 : 1).map((l) =>
    "<tr><td>" + esc(l.name) + (l.reserved ? " <small>(reserved)</small>" : "") + "</td><td>" + (l.limit ?? 1) +
    "</td><td>" + (l.holders ?? []).map((h) => esc(h.owner) + " <small>#" + esc(h.fencing) + ", expires in " + until(h.expiresAt) + "</small>").join("<br>") +
    "</td><td>" + (l.waiters ?? []).map((w) => (w.position ?? "?") + ". " + esc(w.owner)).join("<br>") + "</td></tr>");
  body.innerHTML = rows.join("") || "<tr><td colspan=4><em>no lock is held, waited for or reserved</em></td></tr>";
}
function apply(msg) {
  const lock = msg.lock;
  if (!lock) return;
  const idle = !(lock.holders ?? []).length && !(lock.waiters ?? []).length && !lock.reserved;
  if (idle) locks.delete(lock.name); else locks.set(lock.name, lock);
  render();
}
async function watch() {
  const req = new TextEncoder().encode(JSON.stringify({ initial: true }));
  const frame = new Uint8Array(5 + req.length);
  new DataView(frame.buffer).setUint32(1, req.length);
  frame.set(req, 5);
  const res = await fetch("/baton.v1.LockService/Watch", { method: "POST", headers: { "content-type": "application/connect+json" }, body: frame });
  if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
  status.textContent = "live";
  locks.clear();
  const reader = res.body.getReader();
  let buf = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const next = new Uint8Array(buf.length + value.length);
    next.set(buf); next.set(value, buf.length); buf = next;
    while (buf.length >= 5) {
      const len = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
      if (buf.length < 5 + len) break;
      const msg = JSON.parse(new TextDecoder().decode(buf.subarray(5, 5 + len)));
      if (buf[0] & 2) { if (msg.error) throw new Error(msg.error.message); return; }
      apply(msg);
      buf = buf.subarray(5 + len);
    }
  }
}
(async () => {
  for (let delay = 500; ; delay = Math.min(delay * 2, 10000)) {
    try { await watch(); delay = 500; } catch (e) { status.textContent = "reconnecting: " + e.message; }
    await new Promise((r) => setTimeout(r, delay));
  }
})();
setInterval(render, 1000);
`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baton</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f4f4f4; } small { color: #777; } #status { color: #777; font-size: 13px; }
</style></head>
<body><h1>Baton <span id="status">connecting…</span></h1>
<table><thead><tr><th>lock</th><th>limit</th><th>holders</th><th>queue</th></tr></thead><tbody id="locks"></tbody></table>
<script>${SCRIPT}</script></body></html>`;
