import { createHmac, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { WebhookOptions } from "./options.js";

/** The header that carries `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = "x-baton-signature";

/** The signature header's value for a body. */
export function sign(secret: string, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * Why an endpoint may not be called, or undefined when the allowlist admits it. An entry admits
 * URLs with the same scheme and port whose host equals its host (or ends in it, for `*.` entries)
 * and whose path starts with its path.
 */
export function refuseEndpoint(endpoint: string, options: WebhookOptions): string | undefined {
  if (options.secret === "" || options.allow.length === 0) {
    return "subscribe_and_grab is not enabled on this server (no webhook secret and endpoint allowlist configured)";
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `endpoint ${JSON.stringify(endpoint.slice(0, 200))} is not an absolute URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "endpoint must be an http or https URL";
  if (url.username !== "" || url.password !== "") return "endpoint must not carry credentials";
  if (options.allow.some((entry) => admits(entry, url))) return undefined;
  return `endpoint ${url.origin}${url.pathname} is not in the webhook allowlist (compat.webmutex.webhook.allow)`;
}

function admits(entry: string, url: URL): boolean {
  const wildcard = entry.includes("://*.");
  const allowed = new URL(entry.replace("://*.", "://wildcard-host."));
  if (allowed.protocol !== url.protocol || allowed.port !== url.port) return false;
  if (wildcard) {
    const suffix = allowed.hostname.slice("wildcard-host".length);
    if (!url.hostname.endsWith(suffix) || url.hostname.length === suffix.length) return false;
  } else if (allowed.hostname !== url.hostname) {
    return false;
  }
  const path = allowed.pathname;
  // "/hooks" admits "/hooks" and "/hooks/…", never "/hooksevil".
  return path.endsWith("/") ? url.pathname.startsWith(path) : url.pathname === path || url.pathname.startsWith(path + "/");
}

/**
 * POSTs a signed JSON body until the endpoint answers 2xx, waiting initialBackoffMs, then twice
 * as long after each failure (capped at maxBackoffMs). Resolves true when accepted, false when
 * every attempt failed; rejects only when `signal` aborts. Redirects count as failures: following
 * them would leave the allowlist.
 */
export async function deliver(
  endpoint: string,
  payload: unknown,
  options: WebhookOptions,
  signal: AbortSignal,
  log: (message: string) => void,
): Promise<boolean> {
  const body = JSON.stringify(payload);
  const delivery = randomUUID();
  let backoff = options.initialBackoffMs;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    signal.throwIfAborted();
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        body,
        redirect: "manual",
        headers: {
          "content-type": "application/json",
          "user-agent": "baton-webmutex",
          [SIGNATURE_HEADER]: sign(options.secret, body),
          "x-baton-delivery": delivery,
          "x-baton-attempt": String(attempt),
        },
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.attemptTimeoutMs)]),
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return true;
      log(`baton: webmutex: webhook ${endpoint} answered ${response.status} (attempt ${attempt}/${options.attempts})`);
    } catch (error) {
      signal.throwIfAborted();
      log(`baton: webmutex: webhook ${endpoint} failed: ${(error as Error).message} (attempt ${attempt}/${options.attempts})`);
    }
    if (attempt < options.attempts) {
      await sleep(backoff, undefined, { signal });
      backoff = Math.min(backoff * 2, options.maxBackoffMs);
    }
  }
  return false;
}
