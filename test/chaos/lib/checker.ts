import type { FaultRecord, GrantRecord, History } from "./history.js";

/**
 * The history checker's rules (test/chaos/README.md explains each):
 * 1. fencing is never reused per lock, across restarts of anything;
 * 2. fencing never goes backwards: a grant requested after another grant of the same lock was
 *    received carries a larger token (real-time order, which no amount of concurrency excuses);
 * 3. overlapping holders of a mutex are counted; an overlap is explained when one of the two
 *    leases had expired by the server's own word (or arrived expired), or a fault struck
 *    between the two grants; an unexplained overlap is a failure of mutual exclusion;
 * 4. the fenced resource never accepts interleaved writes of two holders (A, B, A) nor writes of
 *    two grants with one token: accepted overlapping writes must be 0;
 * 5. after every fault, every lock that was in use is granted again within the bound (grants
 *    resume), and every steady client that was not its target is granted again within
 *    `stuckFactor` times the bound (it may queue behind other clients' holds: nothing is stuck).
 */
export interface Verdict {
  grants: number;
  faults: number;
  writesAccepted: number;
  writesRejected: number;
  overlaps: number;
  unexplainedOverlaps: string[];
  acceptedOverlaps: string[];
  fencingReused: string[];
  fencingBackwards: string[];
  /** Per fault: how long until every lock in use had been granted again (Infinity: never). */
  recoveryMs: number[];
  unrecovered: string[];
}

/** Options of `check`. */
export interface CheckOptions {
  /** Every lock in use must be granted again within this long after a fault heals. */
  recoveryBoundMs: number;
  /**
   * Every steady client must be granted again within this many bounds after a fault heals: a
   * client that moves to another instance joins the back of a queue, behind others' holds.
   * Default 3.
   */
  stuckFactor?: number;
  /** Ignore grants of locks whose names do not pass (e.g. semaphores checked elsewhere). */
  mutexes?: (lock: string) => boolean;
}

const MAX_EXAMPLES = 5;

function push(list: string[], message: string): void {
  if (list.length < MAX_EXAMPLES) list.push(message);
  else if (list.length === MAX_EXAMPLES) list.push("…");
}

function byLock(grants: GrantRecord[]): Map<string, GrantRecord[]> {
  const map = new Map<string, GrantRecord[]>();
  for (const g of grants) {
    const list = map.get(g.lock) ?? [];
    list.push(g);
    map.set(g.lock, list);
  }
  return map;
}

/** Rules 1 and 2 for one lock. */
function checkFencing(lock: string, grants: GrantRecord[], v: Verdict, counts: { reused: number; backwards: number }): void {
  const seen = new Map<bigint, GrantRecord>();
  for (const g of grants) {
    const other = seen.get(g.fencing);
    if (other !== undefined) {
      counts.reused++;
      push(v.fencingReused, `${lock}: fencing ${g.fencing} granted to ${other.id} and again to ${g.id}`);
    }
    seen.set(g.fencing, g);
  }
  const received = [...grants].sort((a, b) => a.grantedAt - b.grantedAt);
  const sent = [...grants].sort((a, b) => a.sentAt - b.sentAt);
  let i = 0;
  let max: GrantRecord | undefined;
  for (const b of sent) {
    while (i < received.length && received[i]!.grantedAt < b.sentAt) {
      const a = received[i++]!;
      if (max === undefined || a.fencing > max.fencing) max = a;
    }
    if (max !== undefined && max.fencing >= b.fencing) {
      counts.backwards++;
      push(v.fencingBackwards, `${lock}: ${b.id} asked after ${max.id} (fencing ${max.fencing}) was granted, yet got ${b.fencing}`);
    }
  }
}

function faultBetween(faults: FaultRecord[], from: number, to: number): boolean {
  return faults.some((f) => f.at <= to && f.healedAt >= from);
}

/**
 * Rule 3 for one mutex. An overlap is two holders' intervals (grant received → release sent)
 * intersecting, as the clients saw them. It breaks mutual exclusion for certain only if both
 * leases were surely valid at once: each is surely valid from its receipt until the earlier of
 * its release and its stated expiry (a grant that arrives already expired never is), and no
 * fault struck in between that could have taken the earlier one away.
 */
function checkOverlaps(lock: string, grants: GrantRecord[], faults: FaultRecord[], end: number, v: Verdict): void {
  const ordered = [...grants].sort((a, b) => a.grantedAt - b.grantedAt);
  let active: GrantRecord[] = [];
  for (const b of ordered) {
    active = active.filter((a) => (a.endAt ?? end) > b.grantedAt);
    for (const a of active) {
      v.overlaps++;
      const surelyBoth = Math.min(a.endAt ?? end, a.expiresAt, b.endAt ?? end, b.expiresAt) - b.grantedAt;
      if (surelyBoth > 0 && !faultBetween(faults, a.grantedAt, b.grantedAt)) {
        push(v.unexplainedOverlaps, `${lock}: ${b.id} (fencing ${b.fencing}) and ${a.id} (fencing ${a.fencing}) both held unexpired leases for ${Math.round(surelyBoth)} ms, no fault in between`);
      }
    }
    active.push(b);
  }
}

/** Rule 4: the fenced resource's accepted writes, per lock, in the order it took them. */
function checkAcceptedWrites(history: History, v: Verdict): number {
  const last = new Map<string, { grant: string; fencing: bigint }>();
  const seen = new Map<string, Set<string>>();
  let count = 0;
  for (const w of history.writes) {
    if (!w.accepted) continue;
    const prev = last.get(w.lock);
    const grants = seen.get(w.lock) ?? new Set<string>();
    if (prev !== undefined && prev.grant !== w.grant && (grants.has(w.grant) || prev.fencing === w.fencing)) {
      count++;
      push(v.acceptedOverlaps, `${w.lock}: write of ${w.grant} (fencing ${w.fencing}) accepted after ${prev.grant} (fencing ${prev.fencing}) had written`);
    }
    grants.add(w.grant);
    seen.set(w.lock, grants);
    last.set(w.lock, { grant: w.grant, fencing: w.fencing });
  }
  return count;
}

/** Rule 5. */
function checkRecovery(history: History, boundMs: number, stuckFactor: number, v: Verdict): void {
  const grantsOf = new Map<string, GrantRecord[]>();
  for (const g of history.grants) (grantsOf.get(g.worker) ?? grantsOf.set(g.worker, []).get(g.worker)!).push(g);
  const locks = byLock(history.grants);
  const end = Math.max(0, ...history.grants.map((g) => g.grantedAt));
  const stuckMs = boundMs * stuckFactor;
  for (const f of history.faults) {
    let worst = 0;
    // Grants resume: each lock granted before the fault is granted again within the bound,
    // unless the run ended first.
    const bystander = (worker: string): boolean => {
      const w = history.workers.get(worker);
      return w !== undefined && w.steady && !f.targets.includes(w.id) && (w.stoppedAt === undefined || w.stoppedAt >= f.healedAt + boundMs);
    };
    for (const [lock, grants] of locks) {
      if (!grants.some((g) => g.grantedAt <= f.at && bystander(g.worker)) || end < f.healedAt + boundMs) continue;
      const next = grants.find((g) => g.grantedAt > f.healedAt);
      const delay = next === undefined ? Number.POSITIVE_INFINITY : next.grantedAt - f.healedAt;
      worst = Math.max(worst, delay);
      if (delay > boundMs) {
        const after = next === undefined ? "never" : `only after ${Math.round(delay)} ms`;
        push(v.unrecovered, `lock ${lock} not granted to anyone within ${boundMs} ms after ${f.kind} of ${f.targets.join(",")}: ${after}`);
      }
    }
    // Nothing stuck: each steady client is granted again, allowing for the queue it joins.
    for (const w of history.workers.values()) {
      if (!w.steady || f.targets.includes(w.id) || w.startedAt > f.healedAt) continue;
      if (w.stoppedAt !== undefined && w.stoppedAt < f.healedAt + stuckMs) continue;
      const next = (grantsOf.get(w.id) ?? []).find((g) => g.grantedAt > f.healedAt);
      const delay = next === undefined ? Number.POSITIVE_INFINITY : next.grantedAt - f.healedAt;
      if (delay > stuckMs) {
        const after = next === undefined ? "never" : `only after ${Math.round(delay)} ms`;
        push(v.unrecovered, `${w.id} (${w.kind}) not granted within ${stuckMs} ms after ${f.kind} of ${f.targets.join(",")}: ${after}`);
      }
    }
    v.recoveryMs.push(worst);
  }
}

/** Applies every rule to a finished history. */
export function check(history: History, options: CheckOptions): Verdict & { fencingReusedCount: number; fencingBackwardsCount: number; acceptedOverlapCount: number } {
  const v: Verdict = {
    grants: history.grants.length,
    faults: history.faults.length,
    writesAccepted: history.writes.filter((w) => w.accepted).length,
    writesRejected: history.writes.filter((w) => !w.accepted).length,
    overlaps: 0,
    unexplainedOverlaps: [],
    acceptedOverlaps: [],
    fencingReused: [],
    fencingBackwards: [],
    recoveryMs: [],
    unrecovered: [],
  };
  const counts = { reused: 0, backwards: 0 };
  const end = Math.max(0, ...history.grants.map((g) => g.endAt ?? g.grantedAt));
  for (const [lock, grants] of byLock(history.grants)) {
    checkFencing(lock, grants, v, counts);
    if (options.mutexes === undefined || options.mutexes(lock)) checkOverlaps(lock, grants, history.faults, end, v);
  }
  const acceptedOverlapCount = checkAcceptedWrites(history, v);
  checkRecovery(history, options.recoveryBoundMs, options.stuckFactor ?? 3, v);
  return { ...v, fencingReusedCount: counts.reused, fencingBackwardsCount: counts.backwards, acceptedOverlapCount };
}

/** Every rule the verdict says was broken, one line each (empty when the run was clean). */
export function violations(v: Verdict): string[] {
  return [
    ...v.fencingReused.map((m) => `fencing reused: ${m}`),
    ...v.fencingBackwards.map((m) => `fencing backwards: ${m}`),
    ...v.unexplainedOverlaps.map((m) => `unexplained overlap: ${m}`),
    ...v.acceptedOverlaps.map((m) => `accepted overlapping write: ${m}`),
    ...v.unrecovered.map((m) => `not recovered: ${m}`),
  ];
}
