import type { RendezvousListing } from "../../store/rendezvous.js";

/** Most keys of each kind the homepage shows (the engine's List limit). */
export const LISTING_LIMIT = 1000;

/**
 * The original's homepage: `{"ok":true,"waiting_and_failed":[…],"marked":[…]}`, each key with its
 * leading `/`, probe keys included. A key is "waiting and failed" while someone waits for it, or
 * when its last wait timed out and it has not been set since; "marked" once set. Sorted by key
 * (the original's order was Go's map order, i.e. none).
 */
export function homepage(listing: RendezvousListing): { ok: true; waiting_and_failed: string[]; marked: string[] } {
  const marked = new Set(listing.set.map((s) => s.key));
  const failed = new Set([...listing.waiting.map((w) => w.key), ...listing.timedOut.map((t) => t.key).filter((k) => !marked.has(k))]);
  return { ok: true, waiting_and_failed: [...failed].sort().map((k) => "/" + k), marked: [...marked].sort().map((k) => "/" + k) };
}
