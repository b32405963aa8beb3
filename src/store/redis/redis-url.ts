import { z } from "zod";
import { bool, duration } from "../../config/kinds.js";
import { ConfigError, parseOrThrow } from "../../config/issues.js";
import { field, section } from "../../config/meta.js";
import type { RedisStoreOptions } from "./connection.js";

/** The options a Redis store URL may carry in its query, with their defaults; the docs list them. */
export const redisUrlOptionFields = {
  cluster: field(bool(), { doc: "treat the host as a seed node of a Redis Cluster (`?cluster` alone means true)" }, false),
  heartbeatTtl: field(duration({ min: 1 }), { doc: "backstop: how long a waiter stays queued after its instance stopped renewing its heartbeat (dead instances are evicted sooner, by presence)" }, 30_000),
  presenceTtl: field(duration({ min: 1 }), { doc: "how long an instance's presence lasts without renewal; its waiters are evicted once it lapses" }, 1_500),
  sweepInterval: field(duration({ min: 1 }), { doc: "how often each instance looks for due deadlines" }, 20),
  commandTimeout: field(duration({ min: 1 }), { doc: "how long a Redis command may take before the call fails as unavailable" }, 2_000),
};

const optionsSchema = section(redisUrlOptionFields, { doc: "options of a redis:// store URL" });

/** The URL with any password hidden, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//***@");
}

/**
 * Reads `redis[s]://[user:password@]host[:port][/db][?cluster=1&heartbeatTtl=30s&presenceTtl=1500ms&sweepInterval=20ms&commandTimeout=2s]`.
 * Throws an Error naming what is wrong, never the password.
 */
export function parseRedisUrl(url: string): RedisStoreOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError([`store: "${redact(url)}" is not a valid URL; write e.g. redis://127.0.0.1:6379/0`]);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new ConfigError([`store: "${parsed.protocol}" is not redis: or rediss:`]);
  }
  const dbText = parsed.pathname === "" || parsed.pathname === "/" ? "0" : parsed.pathname.slice(1);
  if (!/^\d{1,9}$/.test(dbText)) throw new ConfigError([`store: database "${dbText}" is not a number`]);
  const db = Number(dbText);
  // `?cluster` alone, as Redis URLs often write a flag, means true.
  const query = Object.fromEntries([...parsed.searchParams].map(([key, value]) => [key, key === "cluster" && value === "" ? true : value]));
  let options: z.output<typeof optionsSchema>;
  try {
    options = parseOrThrow(optionsSchema, query, { noun: "option" });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.problems.map((problem) => `store: ${problem}`));
  }
  if (options.cluster && db !== 0) throw new ConfigError(["store: Redis Cluster has only database 0"]);
  return {
    displayUrl: `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`,
    redis: {
      host: parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
      port: parsed.port === "" ? 6379 : Number(parsed.port),
      db,
      username: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
      password: parsed.password === "" ? undefined : decodeURIComponent(parsed.password),
      tls: parsed.protocol === "rediss:" ? {} : undefined,
    },
    cluster: options.cluster,
    waiterHeartbeatTtlMs: options.heartbeatTtl,
    presenceTtlMs: options.presenceTtl,
    sweepIntervalMs: options.sweepInterval,
    commandTimeoutMs: options.commandTimeout,
  };
}
