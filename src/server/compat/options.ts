import { z } from "zod";
import { count, duration, kind, list, oneOf, orNull, Problem, quote, text, type Kind } from "../../config/kinds.js";
import { parseOrThrow } from "../../config/issues.js";
import { describeSchema, field, optionalField, section } from "../../config/meta.js";

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

const PREFIX = /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

/** A layer's path prefix; null (or false) turns the layer off. */
function prefix(layer: LayerName): z.ZodType<string | null, unknown> {
  const path = kind<string | null>({
    accepts: `a path like "/${layer}", or null to turn the layer off`,
    placeholder: "PATH",
    show: (value) => value ?? "off",
    read: (value) => (value === null || value === false ? null : typeof value === "string" && PREFIX.test(value) ? value : new Problem(`${quote(value)} is not a path`)),
  });
  return field(path, { doc: `where the ${layer} layer is served; null turns it off` }, DEFAULT_COMPAT_OPTIONS.prefixes[layer]);
}

/** URL prefixes a webhook endpoint must start with: scheme, host and port exact, `*.` allowed in the host. */
function urlPrefixes(): Kind<string[]> {
  const items = list();
  return kind({
    accepts: 'a list of http(s) URL prefixes such as "https://ci.example.com/hooks/"',
    placeholder: "LIST",
    show: (value) => (value.length === 0 ? "none" : value.join(",")),
    read(value) {
      const read = items.read!(value);
      if (read instanceof Problem) return read;
      for (const item of read) {
        let url: URL;
        try {
          url = new URL(item.replace("://*.", "://wildcard-host."));
        } catch {
          return new Problem(`${quote(item)} is not a URL`);
        }
        if (url.protocol !== "http:" && url.protocol !== "https:") return new Problem(`${quote(item)}: only http and https endpoints can be allowed`);
        if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
          return new Problem(`${quote(item)} must be a plain prefix (no query, fragment or credentials)`);
        }
      }
      return read;
    },
  });
}

/** A lease TTL that, unset, means the original's behaviour: never expires. */
const layerTtl = (doc: string) => optionalField(duration({ min: 1, note: "leave it unset for leases that never expire" }), { doc });
const dh = DEFAULT_COMPAT_OPTIONS.webmutex.webhook;

const authFields = {
  user: field(text(), { doc: "the user name (without ':')" }),
  password: field(text(), { doc: "the password" }),
};

/** The fields of `compat:`, as the config file spells them; the docs list them. */
export const compatFields = {
  prefixes: section(Object.fromEntries(LAYERS.map((layer) => [layer, prefix(layer)])) as Record<LayerName, z.ZodType<string | null, unknown>>, {
    doc: "path prefix of each layer",
  }),
  root: field(orNull(oneOf(LAYERS, "LAYER"), "none"), { doc: "the layer also served at /, for clients with hard-coded paths" }, null),
  maxBodyBytes: field(count({ min: 1024 }), { doc: "largest request body a layer reads (413 beyond it)" }, DEFAULT_COMPAT_OPTIONS.maxBodyBytes),
  webmutex: section(
    {
      grabTtl: layerTtl("TTL of a grab outside a pool that sets one; unset: never expires, as in WebMutex"),
      webhook: section(
        {
          secret: field(text(), { doc: "HMAC-SHA256 key of the X-Baton-Signature header (16 characters at least); subscribe_and_grab is refused without one", defaultText: "none" }, dh.secret),
          allow: field(urlPrefixes(), { doc: "URL prefixes an endpoint must start with (scheme, host and port exact; *. allowed in the host)" }, dh.allow),
          attempts: field(count({ min: 1 }), { doc: "delivery attempts before the grant is released" }, dh.attempts),
          initialBackoff: field(duration(), { doc: "delay before the second attempt; it doubles after each failure, up to maxBackoff" }, dh.initialBackoffMs),
          maxBackoff: field(duration(), { doc: "longest delay between attempts" }, dh.maxBackoffMs),
          attemptTimeout: field(duration({ min: 1 }), { doc: "how long one attempt may take before it counts as failed" }, dh.attemptTimeoutMs),
        },
        { doc: "grant webhooks of subscribe_and_grab; refused (403) unless both secret and allow are set" },
      ),
    },
    { doc: "the WebMutex layer" },
  ),
  locker: section(
    {
      ttl: layerTtl("TTL of a Locker lock outside a pool that sets one; unset: never expires, as in Locker"),
      auth: describeSchema(z.preprocess((value) => value ?? undefined, z.strictObject(authFields).optional()), {
        doc: "HTTP Basic credentials every Locker request must carry; unset: no authentication",
        fields: authFields,
      }),
    },
    { doc: "the Locker layer" },
  ),
  rendezvous: section(
    { timeout: field(duration({ min: 1 }), { doc: "how long GET /rendezvous/KEY blocks before answering 404 Timeout (web-rendezvous's -timeout)" }, DEFAULT_COMPAT_OPTIONS.rendezvous.timeoutMs) },
    { doc: "the web-rendezvous layer" },
  ),
};

type CompatInput = z.output<z.ZodObject<typeof compatFields>>;

function checkCompat(c: CompatInput, ctx: z.core.$RefinementCtx<CompatInput>): void {
  const used = Object.values(c.prefixes).filter((p): p is string => p !== null);
  if (new Set(used).size !== used.length) ctx.addIssue({ code: "custom", path: ["prefixes"], message: "two layers share one prefix" });
  const hook = c.webmutex.webhook;
  if (hook.allow.length > 0 && hook.secret.length < 16) {
    ctx.addIssue({
      code: "custom",
      path: ["webmutex", "webhook", "secret"],
      message: "endpoints are allowed, so a secret of at least 16 characters is required to sign deliveries",
    });
  }
  const auth = c.locker.auth;
  if (auth !== undefined && (auth.user === "" || auth.user.includes(":") || auth.password === "")) {
    ctx.addIssue({ code: "custom", path: ["locker", "auth"], message: "user (without ':') and password must both be set" });
  }
}

function toCompatOptions(c: CompatInput): CompatOptions {
  const hook = c.webmutex.webhook;
  return {
    prefixes: c.prefixes,
    root: c.root,
    maxBodyBytes: c.maxBodyBytes,
    webmutex: {
      grabTtlMs: c.webmutex.grabTtl,
      webhook: {
        secret: hook.secret,
        allow: hook.allow,
        attempts: hook.attempts,
        initialBackoffMs: hook.initialBackoff,
        maxBackoffMs: hook.maxBackoff,
        attemptTimeoutMs: hook.attemptTimeout,
      },
    },
    locker: { ttlMs: c.locker.ttl, auth: c.locker.auth ?? null },
    rendezvous: { timeoutMs: c.rendezvous.timeout },
  };
}

/** The `compat:` mapping of the config file, read into CompatOptions with the defaults filled in. */
export const compatSchema = section(compatFields, { doc: "the seed systems' HTTP APIs (docs/compatibility.md)" })
  .superRefine(checkCompat)
  .transform(toCompatOptions);

/**
 * Validates the `compat:` mapping of the config file and fills in defaults. Throws an Error
 * naming the setting (e.g. `compat.webmutex.webhook.attempts`) and what it accepts.
 */
export function parseCompatOptions(raw: unknown): CompatOptions {
  return parseOrThrow(compatSchema, raw, { root: "compat" });
}
