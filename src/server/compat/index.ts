import type { LockEngine } from "../../engine/lock-engine.js";
import type { RendezvousEngine } from "../../engine/rendezvous/rendezvous-engine.js";
import { distributexLayer } from "./distributex.js";
import { isClientGone } from "../errors.js";
import { clientGone, logUnexpected, sendJson, sendText, type Req, type Res } from "./http.js";
import type { Layer } from "./layer.js";
import { lockerLayer, sendGinNotFound } from "./locker.js";
import { LAYERS, type CompatOptions, type LayerName } from "./options.js";
import { rendezvousLayer } from "./rendezvous.js";
import { webmutexLayer } from "./webmutex.js";

export { parseCompatOptions, DEFAULT_COMPAT_OPTIONS, type CompatOptions, type LayerName } from "./options.js";

/** What the layers are built on: the engines, never a store of their own. */
export interface CompatDeps {
  engine: LockEngine;
  /** Without it, the web-rendezvous layer is not served. */
  rendezvous?: RendezvousEngine;
  log?: (message: string) => void;
  /**
   * Checks the caller before a layer answers (API keys, docs/security.md): "refused" when it
   * answered the request itself, "key" when a key admitted it, "open" when no keys are configured.
   */
  admit?: (layer: LayerName, req: Req, res: Res) => "open" | "key" | "refused";
}

/**
 * A request handler for the four seed APIs. It returns true when it answered the request (the
 * app then leaves it alone) and false when the path belongs to none of them.
 */
export interface CompatHandler {
  (req: Req, res: Res): boolean;
  /** Ends background work (webhook deliveries, subscriptions), releasing the grants it holds. */
  close(): Promise<void>;
}

/**
 * Paths a layer mounted at `/` must never take: Connect's services and the health check. (The
 * live page and the health check are answered before compat; Distributex at the root otherwise
 * takes every path, as the original answered INVALID for any.)
 */
const RESERVED = /^\/(healthz$|baton\.|grpc\.)/;

/** Builds the handler of every enabled layer; throws when the options do not fit the engine's bounds. */
export function compatHandler(deps: CompatDeps, options: CompatOptions): CompatHandler {
  const log = deps.log ?? ((m: string) => console.error(m));
  const builders: Record<LayerName, () => Layer | undefined> = {
    webmutex: () => webmutexLayer(deps.engine, options, log),
    locker: () => lockerLayer(deps.engine, options, log),
    distributex: () => distributexLayer(deps.engine, log),
    rendezvous: () => (deps.rendezvous === undefined ? undefined : rendezvousLayer(deps.rendezvous, options, log)),
  };
  const mounts: { prefix: string; name: LayerName; layer: Layer }[] = [];
  const layers = new Map<LayerName, Layer>();
  for (const name of LAYERS) {
    const prefix = options.prefixes[name];
    if (prefix === null && options.root !== name) continue;
    const layer = builders[name]();
    if (layer === undefined) continue;
    layers.set(name, layer);
    if (prefix !== null) mounts.push({ prefix, name, layer });
  }
  const root = options.root === null ? undefined : layers.get(options.root);

  const handler = (req: Req, res: Res): boolean => {
    // Prefixed, not resolved against a base: a path such as "//" would read as a host.
    const target = req.url ?? "/";
    if (!target.startsWith("/")) return false;
    const url = new URL(`http://compat.invalid${target}`);
    const mount = mounts.find((m) => url.pathname === m.prefix || url.pathname.startsWith(m.prefix + "/"));
    let name: LayerName;
    let layer: Layer;
    let path: string;
    if (mount !== undefined) {
      ({ name, layer } = mount);
      path = url.pathname.slice(mount.prefix.length) || "/";
    } else if (root !== undefined && options.root !== null && !RESERVED.test(url.pathname) && !keepsServerAddress(options.root, url.pathname)) {
      name = options.root;
      layer = root;
      path = url.pathname;
    } else {
      return false;
    }
    const admitted = deps.admit?.(name, req, res) ?? "open";
    if (admitted === "refused") return true;
    const gone = clientGone(res);
    const work = layer.route({ req, res, method: req.method ?? "GET", path, query: url.searchParams, signal: gone.signal, viaKey: admitted === "key" });
    if (work === undefined) {
      gone.dispose();
      // Below a prefix the layer owns every path; at the root, unknown paths stay Connect's.
      if (mount === undefined) return false;
      notFound(res, name, url.pathname);
      return true;
    }
    work()
      .catch((error: unknown) => {
        // A client that hung up mid-request has nobody left to answer, and nothing to log.
        if (isClientGone(error) || res.destroyed) return;
        logUnexpected(name, error, log);
        if (name === "distributex") sendText(res, 500, "NO");
        else sendJson(res, 500, { error: "internal error; see the server log" });
      })
      .finally(() => gone.dispose());
    return true;
  };

  return Object.assign(handler, {
    async close() {
      await Promise.all([...layers.values()].map((l) => l.close?.()));
    },
  });
}

/**
 * Whether `/` stays Baton's (the redirect to the live page) although a root layer would take it:
 * for Distributex, whose clients only ever call /get/, /wait/ and /release/, so that a person
 * opening the server's address still gets the page. web-rendezvous's `/` is its homepage.
 */
function keepsServerAddress(layer: LayerName, path: string): boolean {
  return layer === "distributex" && path === "/";
}

/** A path below a layer's prefix that is none of its routes, answered as its original did. */
function notFound(res: Res, layer: LayerName, path: string): void {
  // Locker's gin router; WebMutex's Flask answered an HTML 404, whose body no client reads.
  if (layer === "locker") return sendGinNotFound(res);
  sendJson(res, 404, { status: "fail", error: `no WebMutex route ${path}` });
}
