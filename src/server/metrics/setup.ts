import * as http from "node:http";
import type * as net from "node:net";
import type { Config } from "../../config.js";
import type { LockEngine } from "../../engine/lock-engine.js";
import type { Store } from "../../store/types.js";
import type { CallObserver } from "../interceptors/observe.js";
import { callMetrics } from "./call-metrics.js";
import { parseListenAddress } from "./listen-address.js";
import { LockEventMetrics } from "./lock-events.js";
import { BatonMetrics } from "./metrics.js";
import { metricsRoute } from "./route.js";
import { timedStore } from "./timed-store.js";

/** A route of a plain HTTP server: answers the request and returns true, or leaves it. */
export type SimpleRoute = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/** Metrics wired into one app; exists only when `metrics` or `metricsListen` is set. */
export interface MetricsSetup {
  readonly metrics: BatonMetrics;
  /** The call observer for the pipeline's observing interceptor. */
  readonly calls: CallObserver;
  /** The store the engine should use: the app's store with its operations timed. */
  readonly store: Store;
  /** The /metrics route of the main port, when `metrics` is true. */
  readonly mainRoute: SimpleRoute | undefined;
  /**
   * Starts following the engine (sessions) and the store (leases held, waiters queued, counted
   * once from a listing of the store). A listing that fails is logged and the gauges start at 0.
   */
  attach(engine: LockEngine, log: (message: string) => void): Promise<void>;
  /** The URL of the `metricsListen` server once it listens. */
  readonly url: string | undefined;
  /** Binds `metricsListen`, if set, serving /metrics and `extra` (health); resolves with its URL. */
  listen(extra: SimpleRoute[]): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Builds the metrics of an app, or undefined when they are off (then they cost nothing). */
export function setupMetrics(config: Config, store: Store): MetricsSetup | undefined {
  if (!config.metrics && config.metricsListen.trim() === "") return undefined;
  const metrics = new BatonMetrics();
  const route = metricsRoute(metrics) as SimpleRoute;
  const events = new LockEventMetrics(store, metrics);
  followRedis(store, metrics);
  let server: http.Server | undefined;
  let url: string | undefined;
  return {
    get url() {
      return url;
    },
    metrics,
    calls: callMetrics(metrics),
    store: timedStore(store, metrics),
    mainRoute: config.metrics ? route : undefined,
    async attach(engine, log) {
      metrics.sources.sessionsOpen = () => engine.load().sessions;
      await events.seed().catch((error: unknown) => log(`baton: metrics could not count the leases and waiters already in the store: ${String(error)}`));
    },
    async listen(extra) {
      if (config.metricsListen.trim() === "") return undefined;
      const { host, port } = parseListenAddress(config.metricsListen);
      const routes = [route, ...extra];
      server = http.createServer((req, res) => {
        if (routes.some((r) => r(req, res))) return;
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("this address serves only /metrics, /healthz and /readyz\n");
      });
      const bound = server;
      await new Promise<void>((resolve, reject) => {
        bound.once("error", reject);
        bound.listen(port, host, () => {
          bound.off("error", reject);
          resolve();
        });
      });
      const address = bound.address() as net.AddressInfo;
      url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
      return url;
    },
    async close() {
      events.close();
      const bound = server;
      if (bound === undefined) return;
      bound.closeAllConnections();
      await new Promise<void>((resolve) => bound.close(() => resolve()));
    },
  };
}

/** The Redis connection gauge, read at scrape time from a Redis store (absent for the others). */
function followRedis(store: Store, metrics: BatonMetrics): void {
  const redis = store as { connectionStatus?: { commands: string; events: string } };
  if (redis.connectionStatus === undefined) return;
  metrics.sources.redis = () => redis.connectionStatus!;
}
