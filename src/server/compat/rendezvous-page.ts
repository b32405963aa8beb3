import type { RendezvousListing } from "../../store/rendezvous.js";

/**
 * Baton's richer view of web-rendezvous's homepage (`GET /?view=page`): keys waited for, timed
 * out and set, and barriers gathering, styled like the live page (whose stylesheet it links) and
 * linking to it for a live view. A snapshot: reload for news. Plain HTML with every value
 * escaped, since keys, owners and payloads come from clients.
 */
export function listingPage(listing: RendezvousListing, nowMs = Date.now()): string {
  const when = (ms: number): string => `<span title="${new Date(ms).toISOString()}">${escape(ago(nowMs - ms))}</span>`;
  const cells = (row: string[]): string => row.map((c) => `<td>${c}</td>`).join("");
  const section = (title: string, hint: string, head: string[], rows: string[][], none: string): string =>
    `<section class="card"><header><h3>${title} <span class="count">${rows.length}</span></h3><p class="hint">${hint}</p></header><div class="card-body">` +
    (rows.length === 0
      ? `<p class="muted empty">${none}</p>`
      : `<table class="grid"><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>` +
        rows.map((r) => `<tr>${cells(r)}</tr>`).join("") +
        "</tbody></table>") +
    "</div></section>";
  const tile = (label: string, n: number): string => `<div class="tile"><div class="label">${label}</div><div class="value">${n}</div></div>`;
  const progress = (arrived: number, parties: number): string =>
    `<div class="progress" title="${arrived} of ${parties}"><meter min="0" max="${parties}" value="${arrived}"></meter><span>${arrived} / ${parties}</span></div>`;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Baton · rendezvous</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/app.css"></head><body>',
    '<header class="top"><div class="brand"><span class="logo" aria-hidden="true"></span>Baton</div><span class="status">web-rendezvous</span>',
    `<nav class="links"><span class="muted">as of ${escape(new Date(nowMs).toISOString())} · reload for news · </span><a href="/ui">live page</a></nav></header>`,
    '<main><section class="tiles">',
    tile("Keys waited for", listing.waiting.length),
    tile("Keys set", listing.set.length),
    tile("Barriers", listing.barriers.length),
    tile("Timeouts", listing.timedOut.length),
    "</section><section class=\"cards\">",
    section(
      "Waiting",
      "GET /KEY blocks until someone PUTs or POSTs /KEY.",
      ["key", "waiters", "since", "who"],
      listing.waiting.map((w) => [escape(w.key), String(w.waiters), when(w.sinceMs), escape(w.owners.join(", "))]),
      "Nobody waits for a key.",
    ),
    section(
      "Set",
      "Keys that were PUT or POSTed (or signalled).",
      ["key", "set", "by"],
      listing.set.map((s) => [escape(s.key), when(s.signaledAtMs), escape(s.owner)]),
      "No key is set.",
    ),
    section(
      "Barriers",
      "Barriers gathering their participants (RendezvousService.Arrive).",
      ["key", "arrived", "generation", "who"],
      listing.barriers.map((b) => [escape(b.key), progress(b.arrived, b.parties), String(b.generation), escape(b.owners.join(", "))]),
      "No barrier is gathering.",
    ),
    section(
      "Timed out",
      "Waits that ran out of time.",
      ["key", "at", "waited", "who", "times"],
      listing.timedOut.map((t) => [escape(t.key), when(t.atMs), `${t.waitedMs} ms`, escape(t.owner), String(t.count)]),
      "No wait timed out lately.",
    ),
    "</section></main></body></html>",
  ].join("\n");
}

/** How long ago, in words. */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
