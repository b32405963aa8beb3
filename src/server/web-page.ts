import type * as http from "node:http";
import type * as http2 from "node:http2";

/**
 * `GET /ui`: one self-contained page that shows every lock (holders, queue) and every set
 * rendezvous key, live. It reads the LockService Watch and RendezvousService Subscribe streams
 * with fetch (Connect's JSON streaming), so it is pushed every change instead of polling, and
 * reconnects with backoff when a stream ends.
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
const signals = new Map();
const status = document.getElementById("status");
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const until = (t) => t ? Math.max(0, Math.round((Date.parse(t) - Date.now()) / 1000)) + "s" : "never";
const byName = (a, b) => a[0] < b[0] ? -1 : 1;
function render() {
  const lockRows = [...locks.entries()].sort(byName).map(([name, l]) =>
    "<tr><td>" + esc(name) + (l.reserved ? " <small>(reserved)</small>" : "") + "</td><td>" + (l.limit ?? 1) +
    "</td><td>" + (l.holders ?? []).map((h) => esc(h.owner) + " <small>#" + esc(h.fencing) + ", expires in " + until(h.expiresAt) + "</small>").join("<br>") +
    "</td><td>" + (l.waiters ?? []).map((w) => (w.position ?? "?") + ". " + esc(w.owner)).join("<br>") + "</td></tr>");
  document.getElementById("locks").innerHTML = lockRows.join("") || "<tr><td colspan=4><em>no lock is held, waited for or reserved</em></td></tr>";
  const signalRows = [...signals.entries()].sort(byName).map(([key, v]) =>
    "<tr><td>" + esc(key) + "</td><td>" + esc(v.owner ?? "") + "</td><td>" + esc(v.signaledAt ?? "") +
    "</td><td>" + until(v.expiresAt) + "</td><td><code>" + esc((v.payload ?? "").slice(0, 80)) + "</code></td></tr>");
  document.getElementById("signals").innerHTML = signalRows.join("") || "<tr><td colspan=5><em>no key is set</em></td></tr>";
}
function onLock(msg) {
  const lock = msg.lock;
  if (!lock) return;
  const idle = !(lock.holders ?? []).length && !(lock.waiters ?? []).length && !lock.reserved;
  if (idle) locks.delete(lock.name); else locks.set(lock.name, lock);
}
function onSignal(msg) {
  const c = msg.change;
  if (!c) return;
  if (c.kind === "KEY_CHANGE_KIND_CURRENT" || c.kind === "KEY_CHANGE_KIND_SIGNALED") signals.set(c.key, c.signal ?? {});
  else signals.delete(c.key);
}
// Reads one Connect server stream (JSON), calling onMessage for each message; throws when it fails.
async function follow(path, request, onMessage) {
  const body = new TextEncoder().encode(JSON.stringify(request));
  const frame = new Uint8Array(5 + body.length);
  new DataView(frame.buffer).setUint32(1, body.length);
  frame.set(body, 5);
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/connect+json" }, body: frame });
  if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
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
      onMessage(msg);
      render();
      buf = buf.subarray(5 + len);
    }
  }
}
async function forever(label, path, request, map, onMessage) {
  for (let delay = 500; ; delay = Math.min(delay * 2, 10000)) {
    try {
      map.clear();
      status.textContent = "live";
      await follow(path, request, onMessage);
      delay = 500;
    } catch (e) { status.textContent = label + ": reconnecting (" + e.message + ")"; }
    await new Promise((r) => setTimeout(r, delay));
  }
}
forever("locks", "/baton.lock.v1.LockService/Watch", { initial: true }, locks, onLock);
forever("signals", "/baton.rendezvous.v1.RendezvousService/Subscribe", { initial: true }, signals, onSignal);
setInterval(render, 1000);
render();
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
<h2>Locks</h2>
<table><thead><tr><th>lock</th><th>limit</th><th>holders</th><th>queue</th></tr></thead><tbody id="locks"></tbody></table>
<h2>Signals</h2>
<table><thead><tr><th>key</th><th>set by</th><th>at</th><th>expires in</th><th>payload</th></tr></thead><tbody id="signals"></tbody></table>
<script>${SCRIPT}</script></body></html>`;
