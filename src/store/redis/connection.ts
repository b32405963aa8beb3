import { Cluster, Redis, type RedisOptions } from "ioredis";
import { StoreUnavailableError } from "../errors.js";

/** Settings of the Redis store, read from its URL. */
export interface RedisStoreOptions {
  /** The URL without credentials, for messages. */
  displayUrl: string;
  /** Per-node connection options. */
  redis: RedisOptions;
  /** Treat the URL's host as a seed node of a Redis Cluster (`?cluster=1`). */
  cluster: boolean;
  /** How long a waiter stays queued after its instance stopped renewing its heartbeat. */
  waiterHeartbeatTtlMs: number;
  /** How long an instance counts as alive after its last presence renewal (README "Instances that die"). */
  presenceTtlMs: number;
  /** How often each instance looks for due deadlines. */
  sweepIntervalMs: number;
  /** How long a Redis command may take before the call fails as unavailable. */
  commandTimeoutMs: number;
}

/** Reads a Redis store URL into RedisStoreOptions (its query options are a schema there). */
export { parseRedisUrl } from "./redis-url.js";

/**
 * Connection options that make every call fail fast while Redis is away instead of queueing:
 * no offline queue, no resending of commands whose answer was lost (a script that ran must not
 * run twice), a command timeout, and quick reconnects.
 */
function nodeOptions(options: RedisStoreOptions, lazy: boolean): RedisOptions {
  return {
    ...options.redis,
    lazyConnect: lazy,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(1_000, options.commandTimeoutMs),
    retryStrategy: (times) => Math.min(50 * times, 500),
  };
}

/** A client for commands, or (`subscriber`) one for pub/sub, to a single Redis or a cluster. */
export function createClient(options: RedisStoreOptions, subscriber: boolean): Redis | Cluster {
  const node = nodeOptions(options, true);
  // A subscriber waits as long as it must: SUBSCRIBE is queued until the connection is back.
  if (subscriber) Object.assign(node, { enableOfflineQueue: true, commandTimeout: undefined, autoResendUnfulfilledCommands: true });
  if (!options.cluster) return new Redis(node);
  const { host, port, ...rest } = node;
  return new Cluster([{ host: host!, port: port! }], {
    redisOptions: rest,
    lazyConnect: true,
    enableOfflineQueue: subscriber,
    clusterRetryStrategy: (times) => Math.min(50 * times, 500),
    slotsRefreshTimeout: options.commandTimeoutMs,
  });
}

/**
 * Connects a store's command and pub/sub clients and runs `ready` (define scripts, subscribe);
 * on any failure closes both and throws the store's error naming the URL. Connection errors are
 * silenced on the clients themselves: they surface on the calls that fail (see storeError).
 */
export async function connectStore(
  options: RedisStoreOptions,
  client: Redis | Cluster,
  sub: Redis | Cluster,
  ready: () => Promise<void>,
): Promise<void> {
  for (const c of [client, sub]) c.on("error", () => {});
  try {
    await Promise.all([client.connect(), sub.connect()]);
    await ready();
  } catch (error) {
    client.disconnect();
    sub.disconnect();
    throw storeError(error, options.displayUrl);
  }
}

const UNAVAILABLE_REPLIES = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS)\b/;

/**
 * The error a store call throws for a failed Redis call: StoreUnavailableError for anything that
 * means "Redis did not answer" (connection down, timeout, cluster in trouble), the error itself
 * for a real error reply (a bug in a script).
 */
export function storeError(error: unknown, displayUrl: string): Error {
  if (error instanceof StoreUnavailableError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === "ReplyError";
  if (isReply && !UNAVAILABLE_REPLIES.test(message)) return error as Error;
  return new StoreUnavailableError(
    `the Redis store at ${displayUrl} is unavailable (${plainCause(message)}); nothing was granted, retry when it is back`,
    { cause: error },
  );
}

/** ioredis's wording of a lost connection, said plainly. */
function plainCause(message: string): string {
  if (/Stream isn't writeable|max retries per request|Connection is closed/i.test(message)) return "not connected; reconnecting";
  if (/Command timed out/i.test(message)) return "no answer in time";
  return message;
}
