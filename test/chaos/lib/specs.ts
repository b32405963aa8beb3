import { CLIENT_KINDS, type ClientKind, type WorkerSpec } from "./worker.js";

/** A name prefix no other run (nor an earlier run on the same Redis) has used. */
export function runPrefix(scenario: string): string {
  return `chaos/${scenario}/${process.pid}-${Date.now().toString(36)}/`;
}

/** How to lay out a group of workers. */
export interface Layout {
  prefix: string;
  /** Worker ids start with this (unique per run). */
  idPrefix: string;
  locks: number;
  perLock: number;
  /** Kinds in rotation; default every kind. */
  kinds?: readonly ClientKind[];
  /** Instances: worker i prefers urls[i % n] and fails over to the others in turn. */
  urls: string[];
  ttlMs: number;
  waitMs: number;
  holdMs: number;
  writes: number;
  longHoldShare?: number;
  longHoldMs?: number;
  /** The server's session TTL (its --session-ttl): see WorkerSpec.sessionTtlMs. */
  sessionTtlMs?: number;
}

/** `locks × perLock` workers, each on one lock, kinds and home instances in rotation. */
export function workerSpecs(l: Layout): WorkerSpec[] {
  const kinds = l.kinds ?? CLIENT_KINDS;
  const specs: WorkerSpec[] = [];
  for (let lock = 0; lock < l.locks; lock++) {
    for (let j = 0; j < l.perLock; j++) {
      const i = specs.length;
      const home = i % l.urls.length;
      specs.push({
        id: `${l.idPrefix}${i}`,
        kind: kinds[i % kinds.length]!,
        urls: [...l.urls.slice(home), ...l.urls.slice(0, home)],
        locks: [`${l.prefix}lock-${lock}`],
        ttlMs: l.ttlMs,
        waitMs: l.waitMs,
        holdMs: l.holdMs,
        writes: l.writes,
        longHoldShare: l.longHoldShare,
        longHoldMs: l.longHoldMs,
        sessionTtlMs: l.sessionTtlMs,
      });
    }
  }
  return specs;
}

/** Sleeps. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
