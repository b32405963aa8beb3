import { BatonError, invalid } from "../errors.js";
import { isProbeHost, type HostAllowlist } from "./allowlist.js";
import { probeHttp } from "./http.js";
import { probePostgres } from "./postgres.js";
import { probeTcp } from "./tcp.js";

/** What a client asks to probe, before validation. */
export type ProbeSpec =
  | { kind: "tcp"; host: string; port: number }
  | { kind: "postgres"; database: string }
  | { kind: "http"; url: string; expectStatus: number };

/** The server's side of probing: where probes may go and how to reach Postgres. */
export interface ProbeSettings {
  allowlist: HostAllowlist;
  /** e.g. postgres://postgres@127.0.0.1:5432/{db} */
  postgresDsn: string;
}

/** A validated probe: a name for messages, and one attempt (resolves with what answered). */
export interface PreparedProbe {
  target: string;
  attempt(timeoutMs: number, signal: AbortSignal): Promise<string>;
}

/** Postgres database names as probes accept them: plain identifiers, no quoting games. */
const DATABASE_RE = /^[A-Za-z0-9_.-]{1,63}$/;

/**
 * Validates a probe at the edge: malformed targets are `invalid_argument`, hosts outside the
 * allowlist `permission_denied` with the reason.
 */
export function prepareProbe(spec: ProbeSpec | undefined, settings: ProbeSettings): PreparedProbe {
  switch (spec?.kind) {
    case undefined:
      throw invalid("probe is required: one of tcp {host, port}, postgres {database} or http {url}", "probe");
    case "tcp": {
      if (!isProbeHost(spec.host)) throw invalid(`tcp.host ${JSON.stringify(spec.host.slice(0, 64))} is not a host name or IP address`, "tcp.host");
      if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw invalid(`tcp.port must be 1-65535 (got ${spec.port})`, "tcp.port");
      allow(settings, spec.host);
      const host = spec.host.replace(/^\[(.*)\]$/, "$1");
      return { target: `tcp://${spec.host}:${spec.port}`, attempt: (t, s) => probeTcp(host, spec.port, t, s) };
    }
    case "postgres": {
      if (!DATABASE_RE.test(spec.database)) {
        throw invalid(`postgres.database ${JSON.stringify(spec.database.slice(0, 64))} must be 1-63 characters of A-Z a-z 0-9 _ . -`, "postgres.database");
      }
      return { target: `postgres://${spec.database}`, attempt: (t, s) => probePostgres(settings.postgresDsn, spec.database, t, s) };
    }
    case "http": {
      let url: URL;
      try {
        url = new URL(spec.url);
      } catch {
        throw invalid(`http.url ${JSON.stringify(spec.url.slice(0, 200))} is not a URL`, "http.url");
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(`http.url must be http:// or https:// (got ${url.protocol})`, "http.url");
      if (url.username !== "" || url.password !== "") throw invalid("http.url must not carry credentials", "http.url");
      if (spec.expectStatus !== 0 && (spec.expectStatus < 100 || spec.expectStatus > 599)) {
        throw invalid(`http.expect_status must be 0 (any 2xx) or 100-599 (got ${spec.expectStatus})`, "http.expect_status");
      }
      allow(settings, url.hostname);
      return { target: url.href, attempt: (t, s) => probeHttp(url.href, spec.expectStatus, t, s) };
    }
  }
}

function allow(settings: ProbeSettings, host: string): void {
  const reason = settings.allowlist.denial(host);
  if (reason !== undefined) throw new BatonError("permission_denied", reason, { reason: "PROBE_NOT_ALLOWED", metadata: { host } });
}
