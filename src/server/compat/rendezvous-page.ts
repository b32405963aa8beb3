import type { RendezvousListing } from "../../store/rendezvous.js";

/**
 * Baton's richer view of web-rendezvous's homepage (`GET /?view=page`): keys waited for, timed
 * out and set, and barriers gathering. Plain HTML with every value escaped, since keys and owners
 * come from clients.
 */
export function listingPage(listing: RendezvousListing): string {
  const when = (ms: number): string => new Date(ms).toISOString();
  const section = (title: string, head: string[], rows: string[][]): string =>
    `<h2>${title}</h2>` +
    (rows.length === 0
      ? "<p>none</p>"
      : `<table><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>` +
        rows.map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join("")}</tr>`).join("") +
        "</table>");
  return [
    "<!doctype html><meta charset=utf-8><title>Baton rendezvous</title><h1>Rendezvous</h1>",
    section("Waiting", ["key", "waiters", "since", "who"], listing.waiting.map((w) => [w.key, String(w.waiters), when(w.sinceMs), w.owners.join(", ")])),
    section("Timed out", ["key", "at", "waited (ms)", "who", "count"], listing.timedOut.map((t) => [t.key, when(t.atMs), String(t.waitedMs), t.owner, String(t.count)])),
    section("Set", ["key", "at", "by"], listing.set.map((s) => [s.key, when(s.signaledAtMs), s.owner])),
    section("Barriers", ["key", "generation", "arrived", "parties", "who"], listing.barriers.map((b) => [b.key, String(b.generation), String(b.arrived), String(b.parties), b.owners.join(", ")])),
  ].join("\n");
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
