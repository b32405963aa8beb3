import { z } from "zod";
import { formatDuration } from "../duration.js";
import { DEFAULT_PROBE_ALLOWLIST, HostAllowlist } from "../engine/probes/allowlist.js";
import { checkDsnTemplate } from "../engine/probes/postgres.js";
import { poolFields, poolsSchema } from "../engine/pools.js";
import { compatFields, compatSchema, DEFAULT_COMPAT_OPTIONS } from "../server/compat/options.js";
import { DEFAULT_DATA_DIR, DURABILITIES, formatDurableSpec, isDurableSpec, parseDurableSpec } from "../store/durable/spec.js";
import { parseRedisUrl } from "../store/redis/redis-url.js";
import { keyFields, keysSchema } from "../server/auth/options.js";
import { bool, checked, count, duration, list, oneOf, optionalFile, structured, text } from "./kinds.js";
import { listenAddressKind } from "../server/metrics/listen-address.js";
import { LOG_LEVELS } from "../server/logging/logger.js";
import { setting } from "./meta.js";

/** The docs' headings, in order. */
export const GROUPS = ["Server", "Store", "Locks", "Rendezvous", "Config file only"] as const;
const [SERVER, STORE, LOCKS, RENDEZVOUS, FILE] = GROUPS;

const store = checked(
  text({ nonEmpty: true, placeholder: "STORE" }),
  (value) => {
    if (value === "memory") return;
    if (/^rediss?:\/\//.test(value)) parseRedisUrl(value);
    else if (isDurableSpec(value)) parseDurableSpec(value);
    else throw new Error(`"${value.replace(/\/\/[^/@]*@/, "//***@")}" is neither durable, memory nor a redis:// URL`);
  },
  { prefix: "store: ", accepts: "durable, memory, or a redis[s]://[user:password@]host[:port][/db][?options] URL" },
);

/**
 * Every setting of `baton serve`, in the order `--help` and docs/configuration.md list them: the
 * one place a setting is declared. Its key is the Config field; the YAML key drops a trailing
 * `Ms` (`defaultTtlMs` → `defaultTtl`), the flag and the env name follow from the YAML key
 * (`--default-ttl`, `BATON_DEFAULT_TTL`). To add one, add a line here and run `npm run docs:config`:
 *
 *   metricsPort: setting(count({ min: 0, max: 65535 }), 0, { group: SERVER, doc: "port of /metrics; 0 = off" }),
 *
 * gives Config.metricsPort (a number), `metricsPort:` in the file, `--metrics-port N`,
 * BATON_METRICS_PORT, a line of `serve --help` and a row of the docs. The kinds (kinds.ts) read
 * and explain the values; a rule that ties two settings together goes in `crossCheck` below;
 * an old spelling goes in `aliases`; a mapping is a `section` of `field`s (see compat/options.ts)
 * wrapped in `structured`, which only the config file can hold.
 */
export const settingsShape = {
  host: setting(text({ nonEmpty: true, scalars: true, placeholder: "ADDR" }), "127.0.0.1", { group: SERVER, doc: "address to bind" }),
  port: setting(count({ min: 0, max: 65535 }), 7070, { group: SERVER, doc: "port to listen on; 0 picks a free one" }),
  readMaxBytes: setting(count({ min: 1024 }), 256 * 1024, { group: SERVER, doc: "largest request message, in bytes" }),
  maxStreamsPerConnection: setting(count({ min: 1 }), 1_000_000, {
    group: SERVER,
    doc: "HTTP/2 streams one connection may open at once",
    more: "Sent to clients as SETTINGS_MAX_CONCURRENT_STREAMS.",
  }),
  // --- security: TLS on the one port (docs/security.md) ---
  tlsCert: setting(optionalFile(), "", { group: SERVER, doc: "TLS certificate chain (PEM); serves https (h2 by ALPN, and HTTP/1.1)", more: "none serves cleartext. Reloaded on SIGHUP, with tlsKey." }),
  tlsKey: setting(optionalFile(), "", { group: SERVER, doc: "the TLS certificate's private key (PEM)" }),
  tlsClientCa: setting(optionalFile(), "", {
    group: SERVER,
    doc: "CA (PEM) of client certificates, for mTLS",
    more: "A client certificate it signed names the caller by its subject CN, which must be the name of a configured key (whose scopes apply); one it did not sign is refused.",
  }),
  maxOpenStreamsPerConnection: setting(count({ min: 0 }), 0, {
    group: SERVER,
    doc: "streaming calls one connection may have open; 0 = no limit",
    more: "Wait, Watch, Session, Subscribe, Arrive, WaitReady, Overview. One more is refused with resource_exhausted naming this setting; open streams go on.",
  }),
  // --- end security ---
  shutdownGraceMs: setting(duration(), 5_000, { group: SERVER, doc: "how long shutdown waits for connections", more: "Connections still open after it are cut." }),
  // Operations (metrics, logs): docs/operations.md.
  metrics: setting(bool(), false, { group: SERVER, doc: "serve GET /metrics on the main port", more: "Prometheus text format; see metricsListen for a separate address." }),
  metricsListen: setting(listenAddressKind(), "", {
    group: SERVER,
    doc: "serve /metrics on its own HOST:PORT, or off",
    more: "Only /metrics, /healthz and /readyz are served there: keep it on a private network.",
  }),
  logLevel: setting(oneOf(LOG_LEVELS, "LEVEL"), "info", { group: SERVER, doc: "least severe log lines written", more: "JSON lines on stderr (pino); failed calls are warn (error when the server failed)." }),
  accessLog: setting(bool(), false, { group: SERVER, doc: "log every call and request, not only failures", more: "One info line each: method, code, protocol, request id, duration." }),

  store: setting(store, "durable", {
    group: STORE,
    doc: "durable, memory or redis://host:port/db",
    more: "durable keeps locks on disk under dataDir; memory forgets everything on exit; many instances on one Redis share every lock. A Redis URL may carry options after `?` (below).",
  }),
  dataDir: setting(text({ nonEmpty: true, scalars: true, placeholder: "DIR" }), DEFAULT_DATA_DIR, {
    group: STORE,
    doc: "where the durable store keeps its files",
    more: "Created on first start; one Baton per directory.",
  }),
  durability: setting(oneOf(DURABILITIES), "full", {
    group: STORE,
    doc: "full (answer after fsync) or relaxed",
    more: "relaxed answers once the OS has the write: a machine crash (not a process crash) may lose the last 100ms. See docs/durable-store.md.",
  }),

  defaultTtlMs: setting(duration(), 30_000, { group: LOCKS, doc: "lease TTL when a request names none" }),
  minTtlMs: setting(duration({ min: 1 }), 100, { group: LOCKS, doc: "shortest TTL a client may ask for" }),
  maxTtlMs: setting(duration(), 24 * 3_600_000, { group: LOCKS, doc: "longest TTL a client may ask for" }),
  maxWaitMs: setting(duration(), 24 * 3_600_000, { group: LOCKS, doc: "longest wait a client may ask for", more: "Bounds wait_ms and the rendezvous timeout_ms." }),
  maxLimit: setting(count({ min: 1 }), 100_000, { group: LOCKS, doc: "largest semaphore limit or barrier size" }),
  maxQueueLength: setting(count({ min: 1 }), 10_000, { group: LOCKS, doc: "waiters one lock may queue", aliases: { flag: ["max-queue"] } }),
  waitHeartbeatMs: setting(duration({ min: 10, offAtZero: true }), 15_000, { group: LOCKS, doc: "heartbeat of idle lock Wait streams; 0 = off", more: "Keeps proxies with an idle timeout from cutting a long wait or a held lease; clients ignore it." }),
  sessionTtlMs: setting(duration(), 10_000, { group: LOCKS, doc: "a session silent this long ends", more: "The TTL of a session that chooses none; its leases are kept until then if its stream breaks." }),

  rendezvousHeartbeatMs: setting(duration({ min: 10 }), 5_000, { group: RENDEZVOUS, doc: "heartbeat of idle rendezvous streams", more: "Wait, Subscribe and Arrive." }),
  probeAllowlist: setting(checked(list(), (hosts) => new HostAllowlist(hosts), { prefix: "probe allowlist: " }), DEFAULT_PROBE_ALLOWLIST, {
    group: RENDEZVOUS,
    doc: "hosts readiness probes may reach",
    more: "Host names (matched as written, never resolved), *.domain, IP addresses, CIDR ranges (10.0.0.0/8), or * for any.",
  }),
  postgresDsn: setting(checked(text({ placeholder: "DSN" }), checkDsnTemplate, { prefix: "postgresDsn: " }), "postgres://postgres@127.0.0.1:5432/{db}", {
    group: RENDEZVOUS,
    doc: "Postgres probe DSN; {db} = the database",
    more: "{db} (or web-rendezvous's {{.}}) is replaced by the database the client names. The DSN, which may hold a password, is never shown in errors.",
  }),

  pools: setting(structured(poolsSchema, "a list of pools (below)", (pools) => (pools.length === 0 ? "none" : `${pools.length} pools`)), [], {
    group: FILE,
    doc: "per-name policies (limit, TTLs, queue length, hosts) that govern every API",
    fields: poolFields,
  }),
  // --- security (docs/security.md) ---
  keys: setting(structured(keysSchema, "a list of keys (below)", (keys) => (keys.length === 0 ? "none (open)" : `${keys.length} keys`)), [], {
    group: FILE,
    doc: "API keys (as SHA-256 hashes), their scopes and limits; none: open to anyone who reaches the port",
    more: "`baton key new NAME` prints a fresh key and the lines to paste. Reloaded on SIGHUP. See docs/security.md.",
    fields: keyFields,
  }),
  // --- end security ---
  compat: setting(structured(compatSchema, "a mapping (below)", () => "every layer on"), DEFAULT_COMPAT_OPTIONS, {
    group: FILE,
    doc: "the four seed systems' HTTP APIs (docs/compatibility.md)",
    fields: compatFields,
  }),
};

/** Names that were settings once, and what to write instead. */
export const RETIRED: Record<string, string> = {
  sessionGrace: "sessionTtl replaced sessionGrace and sessionIdle: a session ends when its client is silent for its TTL",
  sessionIdle: "sessionTtl replaced sessionGrace and sessionIdle: a session ends when its client is silent for its TTL",
};

type Settings = z.output<z.ZodObject<typeof settingsShape>>;
type DurationKey = "defaultTtlMs" | "minTtlMs" | "maxTtlMs" | "sessionTtlMs";
const show = (ms: number): string => formatDuration(ms);

/** Rules that tie settings together. `related` names the other settings, whose sources the error adds. */
function crossCheck(c: Settings, ctx: z.core.$RefinementCtx<Settings>): void {
  const issue = (key: keyof Settings, message: string, related: (keyof Settings)[]) =>
    ctx.addIssue({ code: "custom", path: [key], message, params: { related } });
  if (c.minTtlMs > c.maxTtlMs) issue("minTtlMs", `${show(c.minTtlMs)} is above maxTtl (${show(c.maxTtlMs)})`, ["maxTtlMs"]);
  const within = (key: DurationKey): void => {
    if (c.minTtlMs > c.maxTtlMs || (c[key] >= c.minTtlMs && c[key] <= c.maxTtlMs)) return;
    issue(key, `${show(c[key])} must lie between minTtl (${show(c.minTtlMs)}) and maxTtl (${show(c.maxTtlMs)})`, ["minTtlMs", "maxTtlMs"]);
  };
  if ((c.tlsCert === "") !== (c.tlsKey === "")) issue(c.tlsCert === "" ? "tlsKey" : "tlsCert", "tlsCert and tlsKey go together: give both, or neither", ["tlsCert", "tlsKey"]);
  if (c.tlsClientCa !== "" && c.tlsCert === "") issue("tlsClientCa", "mTLS needs TLS: give tlsCert and tlsKey too", ["tlsCert"]);
  within("defaultTtlMs");
  within("sessionTtlMs");
}

/** A durable store with a non-default dataDir or durability becomes "durable:DIR?durability=MODE". */
function resolveStore(c: Settings): Settings {
  if (c.store === "durable" && (c.dataDir !== DEFAULT_DATA_DIR || c.durability !== "full")) {
    return { ...c, store: formatDurableSpec(c.dataDir, c.durability) };
  }
  return c;
}

/** The whole configuration: every setting, checked together. Its input is keyed by Config field. */
export const configSchema = z.strictObject(settingsShape).superRefine(crossCheck).transform(resolveStore);

/** The server's whole configuration, validated once at start (docs/configuration.md says what each field means). */
export type Config = z.output<typeof configSchema>;
