import type { Holder, Lock, Waiter } from "../../../gen/baton/lock/v1/lock_pb.js";

/**
 * How the page shows what a holder or waiter holds beyond a plain permit: shared (reader) mode,
 * a weight, a published value; and what makes a lock an election (limit 1, a leader with a value).
 */

/** "shared", "4 permits", 'value "10.0.0.1:80"': the parts worth showing, in that order. */
export function claimText(who: Holder | Waiter): string[] {
  const parts: string[] = [];
  if (who.shared) parts.push("shared");
  else if (who.permits > 1) parts.push(`${who.permits} permits`);
  if ("value" in who && who.value !== "") parts.push(`value ${JSON.stringify(who.value)}`);
  return parts;
}

/** "3 readers" or "5/8 permits" for a lock that is not a plain mutex; undefined for a mutex. */
export function useText(lock: Lock): string | undefined {
  const readers = lock.holders.filter((holder) => holder.shared).length;
  if (readers > 0) return `${readers} reader${readers === 1 ? "" : "s"}`;
  if (lock.limit <= 1) return undefined;
  const used = lock.holders.reduce((sum, holder) => sum + holder.permits, 0);
  return `${used}/${lock.limit} permits`;
}

/** True for a lock led by a holder that published a value: an election with its leader. */
export function isElection(lock: Lock): boolean {
  const leader = lock.holders[0];
  return lock.limit === 1 && leader !== undefined && !leader.shared && leader.value !== "";
}
