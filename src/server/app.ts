import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { Interceptor } from "@connectrpc/connect";
import { compressionGzip } from "@connectrpc/connect-node";
import { LockService } from "../gen/baton/lock/v1/lock_service_pb.js";
import { ElectionService } from "../gen/baton/lock/v1/election_pb.js";
import { RendezvousService } from "../gen/baton/rendezvous/v1/rendezvous_pb.js";
import { AdminService } from "../gen/baton/admin/v1/admin_pb.js";
import type { Config } from "../config.js";
import { shuttingDown } from "../engine/errors.js";
import { LockEngine } from "../engine/lock-engine.js";
import { RendezvousEngine } from "../engine/rendezvous/rendezvous-engine.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { openRendezvousStore, type RendezvousStore } from "../store/rendezvous.js";
import { lockService } from "./lock-service.js";
import { electionService } from "./election-service.js";
import { Elections } from "../engine/election.js";
import { rendezvousService } from "./rendezvous-service.js";
import { adminService } from "./admin-service.js";
import { OnePortListener } from "./listener.js";
import { healthRoute } from "./health.js";
import { readinessCheck } from "./readiness.js";
import { compatHandler, type CompatHandler } from "./compat/index.js";
import { webPageRoute } from "./web/route.js";
import { createPipeline } from "./pipeline/serve.js";
import { mount } from "./pipeline/methods.js";
import { H1Exchange, H2Exchange } from "./pipeline/exchange.js";
import { errorInterceptor } from "./interceptors/errors.js";
import { errorDetailRegistry } from "./errors.js";
import { notFound } from "./not-found.js";
import { reflectionService, reflectionServices } from "./reflection-service.js";
import { AuthState } from "./auth/state.js";
import { recordAuthFailure } from "./metrics/metrics.js";
import { tlsFilesOf } from "./tls.js";
import { admitHttp } from "./auth/http-guard.js";
import { compatNeed, isMetricsPath, isPagePath, METRICS_NEED, PAGE_NEED } from "./auth/http-needs.js";
import { authInterceptor } from "./interceptors/auth.js";
import { connectionStreamsInterceptor } from "./interceptors/connection-streams.js";
import type { LayerName } from "./compat/options.js";
import type { Req as CompatReq, Res as CompatRes } from "./compat/http.js";
import { observeCalls, type CallObserver } from "./interceptors/observe.js";
import { setupMetrics, type MetricsSetup } from "./metrics/setup.js";
import { createLogger, textLog, type BatonLogger } from "./logging/logger.js";
import { callLog } from "./logging/call-log.js";
import { httpLog } from "./logging/http-log.js";

/** A composed Baton server: store, engine, RPC pipeline and the one-port listener. */
export interface App {
  readonly engine: LockEngine;
  readonly store: Store;
  readonly rendezvous: RendezvousEngine;
  readonly rendezvousStore: RendezvousStore;
  /** The compatibility layers (their webhooks and subscriptions hold grants until closed). */
  readonly compat: CompatHandler;
  /** Metrics (docs/operations.md), when `metrics` or `metricsListen` turns them on. */
  readonly metrics: MetricsSetup | undefined;
  /** Binds the port; resolves with the base URL, e.g. http://127.0.0.1:7070. */
  listen(): Promise<string>;
  /** Applies what a config reload (SIGHUP) may change: the keys (and TLS files); the rest needs a restart. */
  reload(config: Config): void;
  /** Graceful shutdown: stop accepting, end streams (releasing held leases), drain, close the store. */
  close(): Promise<void>;
}

/** Parts a test may hand in instead of the ones the config names. */
export interface AppParts {
  /** A store already open (the app closes it). */
  store?: Store;
  /** Interceptors to run outside the app's own (tests observe every call with them). */
  interceptors?: Interceptor[];
  /** The structured logger (tests capture its lines); by default JSON lines on stderr at `logLevel`. */
  logger?: BatonLogger;
}

/** Builds the app from a validated config; nothing listens until `listen()`. */
export async function buildApp(config: Config, freeTextLog?: (message: string) => void, parts: AppParts = {}): Promise<App> {
  // Operations: one structured logger; the parts that report in free text write through it.
  const logger = parts.logger ?? createLogger(config.logLevel);
  const log = freeTextLog ?? textLog(logger);
  const store = parts.store ?? (await openStore(config.store, log));
  // Operations: metrics (off unless configured) and the observers every call reports to.
  const metrics = setupMetrics(config, store);
  const observers: CallObserver[] = [...(metrics === undefined ? [] : [metrics.calls]), callLog(logger, config)];
  const observeHttp = httpLog(logger, config);
  const engine = new LockEngine(metrics?.store ?? store, config, log);
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
  // --- security: keys, scopes and limits (docs/security.md) ---
  const auth = new AuthState(config.keys, (reason) => recordAuthFailure(metrics?.metrics, reason));
  const admit = (layer: LayerName, req: CompatReq, res: CompatRes) => admitHttp(auth, req, res, compatNeed(layer, req.method ?? "GET"));
  // --- end security ---
  const reflection = reflectionService([LockService, ElectionService, RendezvousService, AdminService]);
  // One pipeline for every RPC, whatever its protocol, call shape and HTTP version.
  const pipeline = createPipeline({
    mounts: [
      mount(LockService, lockService(engine, log, sessionTiming)),
      mount(ElectionService, electionService(new Elections(engine), engine)),
      mount(RendezvousService, rendezvousService(rendezvous)),
      mount(AdminService, adminService(engine, rendezvous)),
      // gRPC server reflection, so grpcurl and similar tools can list and describe the above.
      mount(reflectionServices[0], reflection.v1),
      mount(reflectionServices[1], reflection.v1alpha),
    ],
    // observeCalls (metrics, logs, request ids) stays outside auth and errors: it sees every code.
    interceptors: [
      ...(parts.interceptors ?? []),
      observeCalls(observers),
      // --- security ---
      authInterceptor(auth),
      ...(config.maxOpenStreamsPerConnection > 0 ? [connectionStreamsInterceptor(config.maxOpenStreamsPerConnection)] : []),
      // --- end security ---
      errorInterceptor(log),
    ],
    readMaxBytes: config.readMaxBytes,
    // Strict JSON: a misspelt field ("ttl" for "ttlMs") must be an error, not a silent default.
    // The registry lets JSON carry a SessionError's details (packed in Any).
    jsonOptions: { ignoreUnknownFields: false, registry: errorDetailRegistry },
    compressions: [compressionGzip],
    log,
  });
  let closing: Promise<void> | undefined;
  const health = healthRoute(engine, config.store, readinessCheck(store, rendezvousStore, () => closing !== undefined));
  const page = webPageRoute(log);
  const compat = compatHandler({ engine, rendezvous, log, admit }, config.compat);
  const handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void => {
    if (req.httpVersionMajor === 1 && pipeline.serve(new H1Exchange(req as http.IncomingMessage, res as http.ServerResponse))) return;
    observeHttp(req, res);
    // With keys, /metrics on the main port and the live page need the read scope.
    if (isMetricsPath(req.url) && metrics?.mainRoute !== undefined && admitHttp(auth, req, res, METRICS_NEED) === "refused") return;
    if (metrics?.mainRoute?.(req as http.IncomingMessage, res as http.ServerResponse)) return;
    if (health(req, res)) return;
    if (isPagePath(req.url) && admitHttp(auth, req, res, PAGE_NEED) === "refused") return;
    if (page(req, res) || compat(req, res)) return;
    if (req.url === "/" && req.method === "GET") {
      // A person opening the server's address in a browser wants the live page.
      (res as http.ServerResponse).writeHead(302, { location: "/ui" });
      res.end();
      return;
    }
    notFound(req, res);
  };
  const listener = new OnePortListener(
    handler,
    (stream, headers) => pipeline.owns(pathOf(headers[":path"])) && pipeline.serve(new H2Exchange(stream, headers)),
    log,
    config.maxStreamsPerConnection,
    tlsFilesOf(config),
  );
  return {
    engine,
    store,
    rendezvous,
    rendezvousStore,
    compat,
    metrics,
    async listen() {
      await metrics?.attach(engine, log);
      await metrics?.listen([health as (req: http.IncomingMessage, res: http.ServerResponse) => boolean]);
      const port = await listener.listen(config.port, config.host);
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      return `${listener.secure ? "https" : "http"}://${host}:${port}`;
    },
    reload(next) {
      // TLS first: if its files do not load, the keys stay as they were too.
      const files = tlsFilesOf(next);
      if (files !== undefined) listener.reloadTls(files);
      auth.reload(next.keys);
    },
    close() {
      closing ??= (async () => {
        listener.stopAccepting();
        // Compat first: it releases grants its webhooks and subscriptions hold through the engine.
        await compat.close();
        await Promise.all([engine.close(config.shutdownGraceMs), rendezvous.close()]);
        pipeline.abortAll(shuttingDown());
        await listener.drain(config.shutdownGraceMs);
        await metrics?.close();
        await Promise.all([store.close(), rendezvousStore.close()]);
      })();
      return closing;
    },
  };
}

function pathOf(path: string | undefined): string {
  if (path === undefined) return "";
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}
