import { parseArgs } from "node:util";
import { buildConfig, settingsFromEnv, settingsFromFile, type RawSettings } from "../config.js";
import { buildApp } from "../server/app.js";
import { UsageError, type Command } from "./command.js";
import { isDurableSpec, parseDurableSpec } from "../store/durable/spec.js";

const usage = `Usage: baton serve [options]

Runs the Baton server on one port (Connect, gRPC, gRPC-Web; HTTP/1.1 and h2c).

Options (flags win over BATON_* variables, which win over the config file):
  --port N             port to listen on (default 7070; 0 picks a free one)      BATON_PORT
  --host ADDR          address to bind (default 127.0.0.1)                         BATON_HOST
  --store URL          "durable" (default: kept on disk under --data-dir), "memory"  BATON_STORE
                       (forgets everything on exit) or redis://host:port/db
  --data-dir DIR       where the durable store keeps its files (default            BATON_DATA_DIR
                       ./baton-data, created on first start; one Baton per dir)
  --durability MODE    full (answer after fsync, default) or relaxed (answer once  BATON_DURABILITY
                       the OS has it; a machine crash may lose the last 100ms)
  --default-ttl DUR    lease TTL when a request names none (default 30s)           BATON_DEFAULT_TTL
  --min-ttl DUR        shortest TTL a client may ask for (default 100ms)           BATON_MIN_TTL
  --max-ttl DUR        longest TTL a client may ask for (default 24h)              BATON_MAX_TTL
  --max-wait DUR       longest wait a client may ask for (default 24h)             BATON_MAX_WAIT
  --max-queue N        waiters one lock may queue (default 10000)                  BATON_MAX_QUEUE_LENGTH
  --probe-allowlist L  hosts readiness probes may reach: names, *.domain, IPs,      BATON_PROBE_ALLOWLIST
                       CIDRs or *, comma-separated (default 127.0.0.1,::1,localhost)
  --postgres-dsn DSN   Postgres probe template, {db} = the database                BATON_POSTGRES_DSN
                       (default postgres://postgres@127.0.0.1:5432/{db})
  --rendezvous-heartbeat DUR  heartbeat of idle rendezvous streams (default 5s)    BATON_RENDEZVOUS_HEARTBEAT
  --wait-heartbeat DUR heartbeat of idle lock Wait streams (default 15s, 0 = off) BATON_WAIT_HEARTBEAT
  --session-ttl DUR    a session silent this long ends (default 10s)                BATON_SESSION_TTL
  --config FILE        YAML file with the same settings (defaultTtl: 20s, ...)     BATON_CONFIG
  -h, --help           this help

Durations read as 500ms, 20s, 5m, 1h. SIGTERM or SIGINT shuts down gracefully: open streams
end with "unavailable", held leases are released, and the process exits 0.`;

const FLAGS = {
  port: "port",
  host: "host",
  store: "store",
  "data-dir": "dataDir",
  durability: "durability",
  "default-ttl": "defaultTtl",
  "min-ttl": "minTtl",
  "max-ttl": "maxTtl",
  "max-wait": "maxWait",
  "max-queue": "maxQueueLength",
  "probe-allowlist": "probeAllowlist",
  "postgres-dsn": "postgresDsn",
  "rendezvous-heartbeat": "rendezvousHeartbeat",
  "wait-heartbeat": "waitHeartbeat",
  "session-ttl": "sessionTtl",
} as const;

/** The store as the start line names it: where a durable store's data lives, never a Redis password. */
function describeStore(store: string): string {
  if (store === "memory") return "memory";
  if (!isDurableSpec(store)) return "redis";
  const { dataDir, durability } = parseDurableSpec(store);
  return `durable, data in ${dataDir}, durability ${durability}`;
}

/** `baton serve`: the process entry point; composition lives in server/app.ts. */
export const serveCommand: Command = {
  name: "serve",
  summary: "run the Baton server",
  usage,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: {
          ...Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: "string" as const }])),
          config: { type: "string" },
        },
        strict: true,
        allowPositionals: false,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const values = parsed.values as Record<string, string | undefined>;
    const flags: RawSettings = {};
    for (const [flag, setting] of Object.entries(FLAGS)) {
      if (values[flag] !== undefined) flags[setting] = values[flag];
    }
    const file = values.config ?? process.env.BATON_CONFIG;
    const config = buildConfig(file ? settingsFromFile(file) : {}, settingsFromEnv(process.env), flags);
    const app = await buildApp(config);
    const url = await app.listen();
    process.stderr.write(`baton: serving on ${url} (store: ${describeStore(config.store)})\n`);
    return new Promise<number>((resolve) => {
      const stop = (signal: string): void => {
        process.stderr.write(`baton: ${signal} received, shutting down\n`);
        app.close().then(
          () => resolve(0),
          (error: unknown) => {
            process.stderr.write(`baton: shutdown failed: ${String(error)}\n`);
            resolve(1);
          },
        );
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  },
};
