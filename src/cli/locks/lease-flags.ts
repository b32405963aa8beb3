import type { FlagSpec } from "../spec.js";
import type { Invocation } from "../invocation.js";
import type { AcquireRequest } from "./progress.js";

/** The flags of a command that asks for a lease (`lock`, `acquire`), besides --server. */
export const LEASE_FLAGS = {
  ttl: { kind: "duration", help: "lease TTL", default: "the server's, 30s", field: "ttl_ms" },
  wait: { kind: "duration", help: "give up after waiting this long; 0 tries once", default: "wait until granted", field: "wait_ms" },
  limit: { kind: "count", help: "permits of the lock, for a semaphore", default: "the lock's limit, or 1", field: "limit" },
  owner: { kind: "text", help: "who holds it, shown to others", default: "user@host:pid", field: "owner" },
  shared: { kind: "switch", help: "take it in shared (reader) mode: beside other readers, never beside a writer" },
  permits: { kind: "count", help: "take this many of the lock's permits at once (at most its limit)", default: "1", field: "permits" },
  quiet: { kind: "switch", short: "q", help: "do not print the queue position" },
} as const satisfies Record<string, FlagSpec>;

/**
 * The lease request those flags describe, for the lock NAME. No --wait leaves `waitMs` unset,
 * which waits until granted; --wait 0 tries once.
 */
export function leaseRequest(inv: Invocation): AcquireRequest {
  return {
    name: inv.arg("NAME")!,
    ttlMs: inv.duration("ttl"),
    waitMs: inv.duration("wait"),
    limit: inv.count("limit"),
    owner: inv.text("owner"),
    shared: inv.switch("shared"),
    permits: inv.count("permits"),
  };
}
