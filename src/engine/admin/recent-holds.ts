import type { LockEngine } from "../lock-engine.js";
import type { HoldRecord } from "./lock-history.js";

/**
 * A lock's recent holds, newest grant first: the monitor's history, completed with the current
 * holders it never saw granted (granted before this server started, or by an instance whose
 * events it missed), so that a lock that is held never shows an empty history.
 */
export async function recentHolds(engine: LockEngine, name: string): Promise<HoldRecord[]> {
  const lock = await engine.describe(name);
  const holds = engine.monitor.history.holds(name);
  const known = new Set(holds.map((h) => h.fencing));
  for (const lease of lock.holders) {
    if (known.has(lease.fencing)) continue;
    holds.push({ owner: lease.owner, fencing: lease.fencing, acquiredAtMs: lease.acquiredAtMs, endedAtMs: undefined, end: "held", waitedMs: undefined });
  }
  // A hold the store no longer has, but whose end event was missed, is not shown as held.
  const held = new Set(lock.holders.map((l) => l.fencing));
  return holds
    .filter((h) => h.end !== "held" || held.has(h.fencing))
    .sort((a, b) => (a.fencing === b.fencing ? 0 : a.fencing > b.fencing ? -1 : 1));
}
