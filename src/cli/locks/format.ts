import type { Holder, Lease, LockChange, LockInfo } from "../../client/index.js";
import { formatDuration } from "../../duration.js";

/** A lease as JSON: fencing as a string (it is a uint64), times as ISO 8601, like the API's JSON. */
export function leaseJson(lease: Lease): Record<string, unknown> {
  return {
    name: lease.name,
    owner: lease.owner,
    token: lease.token,
    fencing: lease.fencing.toString(),
    acquiredAt: lease.acquiredAt.toISOString(),
    expiresAt: lease.expiresAt.toISOString(),
    ttlMs: lease.ttlMs,
    value: lease.value,
    permits: lease.permits,
    shared: lease.shared,
  };
}

/** A lock's state as JSON, in the API's JSON shape. */
export function lockJson(lock: LockInfo): Record<string, unknown> {
  return {
    name: lock.name,
    limit: lock.limit,
    holders: lock.holders.map((h) => ({
      owner: h.owner,
      fencing: h.fencing.toString(),
      acquiredAt: h.acquiredAt.toISOString(),
      expiresAt: h.expiresAt.toISOString(),
      value: h.value,
      permits: h.permits,
      shared: h.shared,
    })),
    waiters: lock.waiters.map((w) => ({ owner: w.owner, position: w.position, queuedAt: w.queuedAt.toISOString(), permits: w.permits, shared: w.shared })),
    reserved: lock.reserved,
    lastFencing: lock.lastFencing.toString(),
  };
}

/**
 * A lease as shell assignments, so that `eval "$(baton acquire NAME)"` gives a script
 * $BATON_LOCK, $BATON_TOKEN and $BATON_FENCING. Values are single-quoted.
 */
export function leaseShell(lease: Lease): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    `BATON_LOCK=${quote(lease.name)}`,
    `BATON_TOKEN=${quote(lease.token)}`,
    `BATON_FENCING=${quote(lease.fencing.toString())}`,
    `BATON_EXPIRES=${quote(lease.expiresAt.toISOString())}`,
  ].join("\n");
}

/**
 * "14:40:02 (in 29s)" in local time, with the date when it is not today: a moment for people to
 * read in a message. Logs and JSON use ISO 8601 instead.
 */
export function clockTime(date: Date, nowMs: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const day = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const delta = date.getTime() - nowMs;
  const relative = delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
  return `${day(date) === day(new Date(nowMs)) ? time : `${day(date)} ${time}`} (${relative})`;
}

/** "2026-11-25T14:40:00.000Z (in 29s)": absolute for logs, relative for people. */
export function when(date: Date, nowMs: number): string {
  const delta = date.getTime() - nowMs;
  const relative = delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
  return `${date.toISOString()} (${relative})`;
}

/**
 * "alice@host:42 (fencing 17) until 14:40:02 (in 29s)"; a shared holder, a weighted one and a
 * published value say so: "(fencing 17, shared)", "(fencing 18, 4 permits, value "10.0.0.1")".
 */
export function holderText(holder: Holder, nowMs: number): string {
  const mode = holder.shared ? ", shared" : holder.permits > 1 ? `, ${holder.permits} permits` : "";
  const value = holder.value === "" ? "" : `, value ${JSON.stringify(holder.value)}`;
  return `${holder.owner} (fencing ${holder.fencing}${mode}${value}) until ${clockTime(holder.expiresAt, nowMs)}`;
}

/** "free", "3 shared holders", "5 of 8 permits held". */
function heldText(lock: LockInfo): string {
  if (lock.holders.length === 0) return "free";
  const readers = lock.holders.filter((h) => h.shared).length;
  if (readers > 0) return `${readers} shared holder${readers === 1 ? "" : "s"}`;
  const used = lock.holders.reduce((sum, h) => sum + h.permits, 0);
  return `${used} of ${lock.limit} permit${lock.limit === 1 ? "" : "s"} held`;
}

/** A lock for people: its permits, holders and queue, one per line. */
export function describeText(lock: LockInfo, nowMs: number): string {
  const state = heldText(lock);
  const lines = [
    `lock ${lock.name}: ${state}; limit ${lock.limit}; ${lock.waiters.length} waiting; last fencing ${lock.lastFencing}${lock.reserved ? "; reserved" : ""}`,
  ];
  if (lock.holders.length > 0) lines.push("holders:", ...lock.holders.map((h) => `  ${holderText(h, nowMs)}`));
  if (lock.waiters.length > 0) {
    const asks = (w: LockInfo["waiters"][number]) => (w.shared ? " (shared)" : w.permits > 1 ? ` (${w.permits} permits)` : "");
    lines.push("waiters:", ...lock.waiters.map((w) => `  ${w.position}. ${w.owner}${asks(w)} since ${w.queuedAt.toISOString()}`));
  }
  return lines.join("\n");
}

/** Locks as an aligned table: name, limit, held, waiting, holders. */
export function listTable(locks: readonly LockInfo[], nowMs: number): string {
  const rows = locks.map((l) => [
    l.name,
    String(l.limit),
    String(l.holders.length),
    String(l.waiters.length),
    l.holders.map((h) => holderText(h, nowMs)).join(", ") || "-",
  ]);
  const all = [["NAME", "LIMIT", "HELD", "WAITING", "HOLDERS"], ...rows];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join("  ")).join("\n");
}

/** One change as one line: time, what happened, the lock, and who holds and waits after it. */
export function changeLine(change: LockChange, nowMs: number): string {
  const { lock } = change;
  const holders = lock.holders.length === 0 ? "free" : `held by ${lock.holders.map((h) => holderText(h, nowMs)).join(", ")}`;
  return `${new Date(nowMs).toISOString()} ${change.kind.padEnd(9)} ${lock.name} ${holders}; ${lock.waiters.length} waiting`;
}
