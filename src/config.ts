import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { parseDuration } from "./duration.js";
import { DEFAULT_PROBE_ALLOWLIST, HostAllowlist } from "./engine/probes/allowlist.js";
import { checkDsnTemplate } from "./engine/probes/postgres.js";
import { parsePools, type Pool } from "./engine/pools.js";
import { DEFAULT_COMPAT_OPTIONS, parseCompatOptions, type CompatOptions } from "./server/compat/options.js";
import { dropDistributexBackend } from "./server/compat/distributex-config.js";
import { formatDurableSpec, isDurableSpec, parseDurableSpec } from "./store/durable/spec.js";

/** The server's whole configuration, validated once at start. */
export interface Config {
  host: string;
  port: number;
  /**
   * "durable" (default: LMDB under dataDir), "memory", or a redis:// URL. buildConfig resolves a
   * durable store with a non-default dataDir or durability to "durable:DIR?durability=MODE".
   */
  store: string;
  /** Where the durable store keeps its files; created on first start. */
  dataDir: string;
  /** "full": answer after fsync; "relaxed": answer after the OS has the write (docs/durable-store.md). */
  durability: string;
  defaultTtlMs: number;
  minTtlMs: number;
  maxTtlMs: number;
  /** Longest wait_ms / timeout_ms a client may ask for. */
  maxWaitMs: number;
  /** Largest semaphore limit. */
  maxLimit: number;
  /** Waiters one lock may queue. */
  maxQueueLength: number;
  /** Largest request message, in bytes. */
  readMaxBytes: number;
  /** Concurrent HTTP/2 streams one connection may open (its SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxStreamsPerConnection: number;
  /** How long shutdown waits for connections to finish before cutting them. */
  shutdownGraceMs: number;
  /** Heartbeat interval of idle rendezvous streams (Wait, Subscribe, Arrive). */
  rendezvousHeartbeatMs: number;
  /** Hosts readiness probes may reach: names, *.domain, IPs, CIDR ranges, or "*". */
  probeAllowlist: string[];
  /** DSN template of the Postgres probe; {db} stands for the database the client names. */
  postgresDsn: string;
  /** How often an idle lock Wait stream gets a heartbeat message; 0 turns them off. */
  waitHeartbeatMs: number;
  /** The TTL of a session that chooses none: it ends when the client is silent this long. */
  sessionTtlMs: number;
  /** Per-name policies; they apply to every API (DESIGN §6). Config file only. */
  pools: Pool[];
  /** The seed systems' HTTP APIs (README "Compatibility"). Config file only. */
  compat: CompatOptions;
}

/** The defaults: what `baton serve` runs with when nothing is said. */
export const DEFAULT_CONFIG: Config = {
  host: "127.0.0.1",
  port: 7070,
  store: "durable",
  dataDir: "./baton-data",
  durability: "full",
  defaultTtlMs: 30_000,
  minTtlMs: 100,
  maxTtlMs: 24 * 3_600_000,
  maxWaitMs: 24 * 3_600_000,
  maxLimit: 100_000,
  maxQueueLength: 10_000,
  readMaxBytes: 256 * 1024,
  maxStreamsPerConnection: 1_000_000,
  shutdownGraceMs: 5_000,
  rendezvousHeartbeatMs: 5_000,
  probeAllowlist: DEFAULT_PROBE_ALLOWLIST,
  postgresDsn: "postgres://postgres@127.0.0.1:5432/{db}",
  waitHeartbeatMs: 15_000,
  sessionTtlMs: 10_000,
  pools: [],
  compat: DEFAULT_COMPAT_OPTIONS,
};

type Key = Exclude<keyof Config, "pools" | "compat">;
/** Settings that are mappings or lists of mappings: the config file only, never env or flags. */
const STRUCTURED = ["pools", "compat"];
const DURATIONS: Key[] = ["defaultTtlMs", "minTtlMs", "maxTtlMs", "maxWaitMs", "shutdownGraceMs", "rendezvousHeartbeatMs", "waitHeartbeatMs", "sessionTtlMs"];
const COUNTS: Key[] = ["port", "maxLimit", "maxQueueLength", "readMaxBytes", "maxStreamsPerConnection"];
const STRINGS: Key[] = ["host", "store", "dataDir", "durability", "postgresDsn"];
/** Lists: a YAML sequence, or comma-separated text in env and flags. */
const LISTS: Key[] = ["probeAllowlist"];

/** The YAML / env / flag spelling of each setting: `defaultTtl` for defaultTtlMs, and so on. */
function spelling(key: Key): string {
  return key.endsWith("Ms") ? key.slice(0, -2) : key;
}

/** Settings from one source, by their spelled names, before validation. */
export type RawSettings = Record<string, unknown>;

/** Reads BATON_* variables: BATON_DEFAULT_TTL=20s, BATON_PORT=7070, BATON_STORE=redis://… */
export function settingsFromEnv(env: NodeJS.ProcessEnv): RawSettings {
  const out: RawSettings = {};
  for (const key of [...DURATIONS, ...COUNTS, ...STRINGS, ...LISTS]) {
    const name = "BATON_" + spelling(key).replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
    if (env[name] !== undefined && env[name] !== "") out[spelling(key)] = env[name];
  }
  return out;
}

/**
 * Reads a YAML config file; a missing or malformed file is a clear error. A Distributex config
 * file is accepted as it is: its backend settings are dropped with a warning.
 */
export function settingsFromFile(path: string, warn: (message: string) => void = (m) => process.stderr.write(m + "\n")): RawSettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`config file ${path}: cannot be read (${(error as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new Error(`config file ${path}: not valid YAML (${(error as Error).message})`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`config file ${path}: expected a mapping of settings`);
  return dropDistributexBackend(doc as RawSettings, path, warn);
}

/**
 * Merges the sources (flags over env over file over defaults) and validates the result.
 * Throws an Error that names the offending setting and what it accepts.
 */
export function buildConfig(file: RawSettings, env: RawSettings, flags: RawSettings): Config {
  const merged: RawSettings = { ...file, ...env, ...flags };
  const known = new Set([...DURATIONS, ...COUNTS, ...STRINGS, ...LISTS].map(spelling));
  for (const name of Object.keys(merged)) {
    if (!known.has(name) && !STRUCTURED.includes(name)) {
      throw new Error(`unknown setting "${name}"; known settings: ${[...known, ...STRUCTURED].join(", ")}`);
    }
  }
  const config: Config = { ...DEFAULT_CONFIG };
  const writable = config as unknown as Record<Key, number | string | string[]>;
  for (const key of DURATIONS) {
    const value = merged[spelling(key)];
    if (value !== undefined) writable[key] = parseDuration(value as string | number, spelling(key));
  }
  for (const key of COUNTS) {
    const value = merged[spelling(key)];
    if (value === undefined) continue;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${spelling(key)}: "${String(value)}" is not a whole number`);
    writable[key] = n;
  }
  for (const key of STRINGS) {
    const value = merged[spelling(key)];
    if (value !== undefined) writable[key] = String(value);
  }
  for (const key of LISTS) {
    const value = merged[spelling(key)];
    if (value === undefined) continue;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(",");
    writable[key] = items.map((item) => item.trim()).filter((item) => item !== "");
  }
  config.pools = parsePools(merged.pools);
  config.compat = parseCompatOptions(merged.compat);
  return checkConfig(config);
}

function checkConfig(c: Config): Config {
  if (c.port > 65535) throw new Error(`port: ${c.port} is not a TCP port (0-65535)`);
  if (c.minTtlMs < 1) throw new Error("minTtl must be at least 1ms");
  if (c.minTtlMs > c.maxTtlMs) throw new Error(`minTtl (${c.minTtlMs}ms) is above maxTtl (${c.maxTtlMs}ms)`);
  if (c.defaultTtlMs < c.minTtlMs || c.defaultTtlMs > c.maxTtlMs) {
    throw new Error(`defaultTtl (${c.defaultTtlMs}ms) must lie between minTtl and maxTtl`);
  }
  if (c.maxLimit < 1) throw new Error("maxLimit must be at least 1");
  if (c.maxQueueLength < 1) throw new Error("maxQueueLength must be at least 1");
  if (c.readMaxBytes < 1024) throw new Error("readMaxBytes must be at least 1024");
  if (c.maxStreamsPerConnection < 1) throw new Error("maxStreamsPerConnection must be at least 1");
  if (c.store !== "memory" && !/^rediss?:\/\//.test(c.store) && !isDurableSpec(c.store)) {
    throw new Error(`store: "${c.store}" is neither "memory" nor a redis:// URL nor "durable"`);
  }
  if (c.durability !== "full" && c.durability !== "relaxed") {
    throw new Error(`durability: "${c.durability}" must be "full" or "relaxed"`);
  }
  if (c.dataDir.trim() === "") throw new Error("dataDir must name a directory");
  if (c.store === "durable" && (c.dataDir !== DEFAULT_CONFIG.dataDir || c.durability !== DEFAULT_CONFIG.durability)) {
    c.store = formatDurableSpec(c.dataDir, c.durability === "relaxed" ? "relaxed" : "full");
  }
  if (isDurableSpec(c.store)) parseDurableSpec(c.store);
  if (c.rendezvousHeartbeatMs < 10) throw new Error("rendezvousHeartbeat must be at least 10ms");
  if (c.waitHeartbeatMs !== 0 && c.waitHeartbeatMs < 10) throw new Error("waitHeartbeat must be 0 (off) or at least 10ms");
  if (c.sessionTtlMs < c.minTtlMs || c.sessionTtlMs > c.maxTtlMs) throw new Error(`sessionTtl (${c.sessionTtlMs}ms) must lie between minTtl and maxTtl`);
  new HostAllowlist(c.probeAllowlist);
  checkDsnTemplate(c.postgresDsn);
  return c;
}
