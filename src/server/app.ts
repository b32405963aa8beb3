import type * as http from "node:http";
import type * as http2 from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { LockService } from "../gen/baton/lock/v1/lock_service_pb.js";
import { RendezvousService } from "../gen/baton/rendezvous/v1/rendezvous_pb.js";
import type { Config } from "../config.js";
import { LockEngine } from "../engine/lock-engine.js";
import { RendezvousEngine } from "../engine/rendezvous/rendezvous-engine.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { openRendezvousStore, type RendezvousStore } from "../store/rendezvous.js";
import { lockService } from "./lock-service.js";
import { rendezvousService } from "./rendezvous-service.js";
import { OnePortListener } from "./listener.js";
import { healthRoute } from "./health.js";
import { compatHandler } from "./compat/index.js";
import { webPageRoute } from "./web-page.js";
import { sessionRoute } from "./session-route.js";
import { streamRoutes } from "./stream-routes.js";
import { waitRoute } from "./wait-route.js";

/** A composed Baton server: store, engine, RPC routes and the one-port listener. */
export interface App {
  readonly engine: LockEngine;
  readonly store: Store;
  readonly rendezvous: RendezvousEngine;
  readonly rendezvousStore: RendezvousStore;
  /** Binds the port; resolves with the base URL, e.g. http://127.0.0.1:7070. */
  listen(): Promise<string>;
  /** Graceful shutdown: stop accepting, end streams (releasing held leases), drain, close the store. */
  close(): Promise<void>;
}

/** Builds the app from a validated config; nothing listens until `listen()`. */
export async function buildApp(config: Config, log: (message: string) => void = (m) => console.error(m)): Promise<App> {
  const store = await openStore(config.store, log);
  const engine = new LockEngine(store, config, log);
  const rendezvousStore = await openRendezvousStore(config.store, log);
  const rendezvous = new RendezvousEngine(
    rendezvousStore,
    {
      heartbeatMs: config.rendezvousHeartbeatMs,
      minTtlMs: config.minTtlMs,
      maxTtlMs: config.maxTtlMs,
      maxWaitMs: config.maxWaitMs,
      maxParties: config.maxLimit,
      probeAllowlist: config.probeAllowlist,
      postgresDsn: config.postgresDsn,
    },
    log,
  );
  const sessionTiming = { ttlMs: config.sessionTtlMs, minTtlMs: config.minTtlMs, maxTtlMs: config.maxTtlMs };
  // Binary Connect sessions over HTTP/2 skip connect-es's per-message pipeline (BENCHMARKS.md);
  // every other protocol and encoding of Session falls through to the router below.
  const sessions = sessionRoute(engine, log, { ...sessionTiming, readMaxBytes: config.readMaxBytes });
  const locks = lockService(engine, log, sessionTiming);
  const signals = rendezvousService(rendezvous, log);
  // Likewise binary Connect server streams over HTTP/2: an idle Wait costs a few KiB, not ~36.
  const raw = { readMaxBytes: config.readMaxBytes };
  const waits = waitRoute(engine, log, raw);
  const streams = streamRoutes([[LockService, locks], [RendezvousService, signals]], log, raw);
  const rpc = connectNodeAdapter({
    routes: (router) => {
      router.service(LockService, locks);
      router.service(RendezvousService, signals);
    },
    readMaxBytes: config.readMaxBytes,
    // Strict JSON: a misspelt field ("ttl" for "ttlMs") must be an error, not a silent default.
    jsonOptions: { ignoreUnknownFields: false },
  });
  const health = healthRoute(engine, config.store);
  const page = webPageRoute();
  const compat = compatHandler({ engine, rendezvous, log }, config.compat);
  const handler = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): void => {
    if (health(req, res) || page(req, res) || compat(req, res)) return;
    if (req.url === "/" && req.method === "GET") {
      // A person opening the server's address in a browser wants the live page.
      (res as http.ServerResponse).writeHead(302, { location: "/ui" });
      res.end();
      return;
    }
    rpc(req, res);
  };
  const listener = new OnePortListener(handler, (stream, headers) => sessions(stream, headers) || waits(stream, headers) || streams(stream, headers), log);
  let closing: Promise<void> | undefined;
  return {
    engine,
    store,
    rendezvous,
    rendezvousStore,
    async listen() {
      const port = await listener.listen(config.port, config.host);
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      return `http://${host}:${port}`;
    },
    close() {
      closing ??= (async () => {
        listener.stopAccepting();
        // Compat first: it releases grants its webhooks and subscriptions hold through the engine.
        await compat.close();
        await Promise.all([engine.close(config.shutdownGraceMs), rendezvous.close()]);
        await listener.drain(config.shutdownGraceMs);
        await Promise.all([store.close(), rendezvousStore.close()]);
      })();
      return closing;
    },
  };
}
