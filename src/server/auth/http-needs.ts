import type { LayerName } from "../compat/options.js";
import type { HttpNeed } from "./http-guard.js";

/** The live page shows every lock and rendezvous key: it needs read on all of them. */
export const PAGE_NEED: HttpNeed = { action: "read", spaces: ["locks", "rendezvous"] };

/** /metrics on the main port: counts and rates of every name's traffic, for a key that may read. */
export const METRICS_NEED: HttpNeed = { action: "read", spaces: [] };

/** Whether a request path is the metrics endpoint's. */
export function isMetricsPath(url: string | undefined): boolean {
  return ((url ?? "").split("?")[0] ?? "") === "/metrics";
}

/** Whether a request path is the live page's. */
export function isPagePath(url: string | undefined): boolean {
  const path = (url ?? "").split("?")[0] ?? "";
  return path === "/ui" || path === "/ui/" || path.startsWith("/ui/");
}

/**
 * What a compatibility layer's request needs. The layers carry names in their own places (paths,
 * bodies, forms), so a key used with them must cover every name of its space; the action follows
 * the layer: taking and giving back locks, or web-rendezvous's wait (GET) and set/reset.
 */
export function compatNeed(layer: LayerName, method: string): HttpNeed {
  if (layer !== "rendezvous") return { action: "acquire", spaces: ["locks"] };
  return { action: method === "GET" || method === "HEAD" ? "read" : "signal", spaces: ["rendezvous"] };
}
