import { parseDuration } from "../../duration.js";

/** The compatibility layers, by the name of the seed system each one imitates. */
export const LAYERS = ["webmutex", "rendezvous", "locker", "distributex"] as const;
/** One of LAYERS. */
export type LayerName = (typeof LAYERS)[number];

/** How grant webhooks of WebMutex's subscribe_and_grab are signed, allowed and retried. */
export interface WebhookOptions {
  /** HMAC-SHA256 key of the X-Baton-Signature header; subscribe_and_grab is refused without one. */
  secret: string;
  /** URL prefixes an endpoint must start with (scheme, host and port exact; `*.` allowed in the host). */
  allow: string[];
  /** Delivery attempts before the grant is released. */
  attempts: number;
  /** Delay before the second attempt; it doubles after each failure, up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** How long one attempt may take before it counts as failed. */
  attemptTimeoutMs: number;
}

/** Options of the compatibility layers: the `compat:` mapping of the config file. */
export interface CompatOptions {
  /** Path prefix of each layer, e.g. "/webmutex"; null turns the layer off. */
  prefixes: Record<LayerName, string | null>;
  /** The layer also served at `/`, for clients with hard-coded paths. */
  root: LayerName | null;
  /** Largest request body a layer reads. */
  maxBodyBytes: number;
  webmutex: {
    /** TTL of a grab outside a pool that sets one; undefined: never expires, as in WebMutex. */
    grabTtlMs: number | undefined;
    webhook: WebhookOptions;
  };
  locker: {
    /** TTL of a Locker lock outside a pool that sets one; undefined: never expires, as in Locker. */
    ttlMs: number | undefined;
    /** HTTP Basic credentials every Locker request must carry; null: no authentication. */
    auth: { user: string; password: string } | null;
  };
  rendezvous: {
    /** How long GET /rendezvous/KEY blocks before answering 404 Timeout. */
    timeoutMs: number;
  };
}

/** What the layers do when the config says nothing. */
export const DEFAULT_COMPAT_OPTIONS: CompatOptions = {
  prefixes: { webmutex: "/webmutex", rendezvous: "/rendezvous", locker: "/locker", distributex: "/distributex" },
  root: null,
  maxBodyBytes: 64 * 1024,
  webmutex: {
    grabTtlMs: undefined,
    webhook: { secret: "", allow: [], attempts: 5, initialBackoffMs: 500, maxBackoffMs: 30_000, attemptTimeoutMs: 5_000 },
  },
  locker: { ttlMs: undefined, auth: null },
  rendezvous: { timeoutMs: 30_000 },
};

type Raw = Record<string, unknown>;

/**
 * Validates the `compat:` mapping of the config file and fills in defaults. Throws an Error
 * naming the setting (e.g. `compat.webmutex.webhook.attempts`) and what it accepts.
 */
export function parseCompatOptions(raw: unknown): CompatOptions {
  const d = DEFAULT_COMPAT_OPTIONS;
  const top = mapping(raw ?? {}, "compat", ["prefixes", "root", "maxBodyBytes", "webmutex", "locker", "rendezvous"]);
  const prefixes = { ...d.prefixes };
  const rawPrefixes = mapping(top.prefixes ?? {}, "compat.prefixes", [...LAYERS]);
  for (const layer of LAYERS) {
    const value = rawPrefixes[layer];
    if (value === undefined) continue;
    if (value === null || value === false) prefixes[layer] = null;
    else if (typeof value === "string" && /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(value)) prefixes[layer] = value;
    else throw new Error(`compat.prefixes.${layer}: expected a path like "/${layer}" (or null to turn the layer off)`);
  }
  const used = Object.values(prefixes).filter((p): p is string => p !== null);
  if (new Set(used).size !== used.length) throw new Error("compat.prefixes: two layers share one prefix");
  let root: LayerName | null = null;
  if (top.root !== undefined && top.root !== null) {
    if (typeof top.root !== "string" || !(LAYERS as readonly string[]).includes(top.root)) {
      throw new Error(`compat.root: expected one of ${LAYERS.join(", ")} (got ${JSON.stringify(top.root)})`);
    }
    root = top.root as LayerName;
  }
  const maxBodyBytes = top.maxBodyBytes === undefined ? d.maxBodyBytes : count(top.maxBodyBytes, "compat.maxBodyBytes", 1024);

  const wm = mapping(top.webmutex ?? {}, "compat.webmutex", ["grabTtl", "webhook"]);
  const hook = mapping(wm.webhook ?? {}, "compat.webmutex.webhook", ["secret", "allow", "attempts", "initialBackoff", "maxBackoff", "attemptTimeout"]);
  const dh = d.webmutex.webhook;
  const webhook: WebhookOptions = {
    secret: hook.secret === undefined ? dh.secret : text(hook.secret, "compat.webmutex.webhook.secret"),
    allow: hook.allow === undefined ? [] : urlPrefixes(hook.allow, "compat.webmutex.webhook.allow"),
    attempts: hook.attempts === undefined ? dh.attempts : count(hook.attempts, "compat.webmutex.webhook.attempts", 1),
    initialBackoffMs: duration(hook.initialBackoff, "compat.webmutex.webhook.initialBackoff", dh.initialBackoffMs),
    maxBackoffMs: duration(hook.maxBackoff, "compat.webmutex.webhook.maxBackoff", dh.maxBackoffMs),
    attemptTimeoutMs: duration(hook.attemptTimeout, "compat.webmutex.webhook.attemptTimeout", dh.attemptTimeoutMs),
  };
  if (webhook.allow.length > 0 && webhook.secret.length < 16) {
    throw new Error("compat.webmutex.webhook.secret: endpoints are allowed, so a secret of at least 16 characters is required to sign deliveries");
  }
  if (webhook.attemptTimeoutMs < 1) throw new Error("compat.webmutex.webhook.attemptTimeout must be at least 1ms");

  const lk = mapping(top.locker ?? {}, "compat.locker", ["ttl", "auth"]);
  let auth: CompatOptions["locker"]["auth"] = null;
  if (lk.auth !== undefined && lk.auth !== null) {
    const a = mapping(lk.auth, "compat.locker.auth", ["user", "password"]);
    const user = text(a.user, "compat.locker.auth.user");
    const password = text(a.password, "compat.locker.auth.password");
    if (user === "" || user.includes(":") || password === "") {
      throw new Error("compat.locker.auth: user (without ':') and password must both be set");
    }
    auth = { user, password };
  }

  const rv = mapping(top.rendezvous ?? {}, "compat.rendezvous", ["timeout"]);
  const timeoutMs = duration(rv.timeout, "compat.rendezvous.timeout", d.rendezvous.timeoutMs);
  if (timeoutMs < 1) throw new Error("compat.rendezvous.timeout must be at least 1ms");

  return {
    prefixes,
    root,
    maxBodyBytes,
    webmutex: { grabTtlMs: optionalTtl(wm.grabTtl, "compat.webmutex.grabTtl"), webhook },
    locker: { ttlMs: optionalTtl(lk.ttl, "compat.locker.ttl"), auth },
    rendezvous: { timeoutMs },
  };
}

function mapping(value: unknown, where: string, keys: string[]): Raw {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: expected a mapping`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new Error(`${where}: unknown setting "${key}"; known: ${keys.join(", ")}`);
  }
  return value as Raw;
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`${where}: expected text`);
  return value;
}

function count(value: unknown, where: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${where}: expected a whole number ≥ ${min} (got ${JSON.stringify(value)})`);
  return n;
}

function duration(value: unknown, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "string" && typeof value !== "number") throw new Error(`${where}: expected a duration such as 500ms, 20s or 5m`);
  return parseDuration(value, where);
}

function optionalTtl(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = duration(value, where, 0);
  if (ms < 1) throw new Error(`${where}: must be positive; leave it unset for leases that never expire`);
  return ms;
}

function urlPrefixes(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list of URL prefixes`);
  return value.map((item, i) => {
    if (typeof item !== "string") throw new Error(`${where}[${i}]: expected a URL prefix such as "https://ci.example.com/hooks/"`);
    let url: URL;
    try {
      url = new URL(item.replace("://*.", "://wildcard-host."));
    } catch {
      throw new Error(`${where}[${i}]: "${item}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${where}[${i}]: only http and https endpoints can be allowed`);
    if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      throw new Error(`${where}[${i}]: "${item}" must be a plain prefix (no query, fragment or credentials)`);
    }
    return item;
  });
}
