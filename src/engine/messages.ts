import type { LeaseRecord } from "../store/types.js";
import { BatonError } from "./errors.js";

/** "ci-42 (fencing 17) until 2026-11-25T14:40:00.000Z" for each holder, the way people read it. */
export function describeHolders(holders: LeaseRecord[]): string {
  if (holders.length === 0) return "nobody";
  const shown = holders.slice(0, 5).map((h) => {
    const until = h.expiresAtMs === 0 ? "with no expiry" : `until ${new Date(h.expiresAtMs).toISOString()}`;
    return `${h.owner} (fencing ${h.fencing}) ${until}`;
  });
  const more = holders.length > 5 ? ` and ${holders.length - 5} more` : "";
  return shown.join(", ") + more;
}

/** The message of a try-acquire that found no free permit. */
export function busyMessage(name: string, limit: number | undefined, holders: LeaseRecord[], queueLength: number): string {
  const what = limit !== undefined && limit > 1 ? `all ${limit} permits of "${name}" are taken` : `"${name}" is held`;
  const queue = queueLength > 0 ? `; ${queueLength} waiting` : "";
  return `${what} by ${describeHolders(holders)}${queue}. This request did not wait (wait_ms 0); to queue for it, give a wait_ms or none.`;
}

/** The message of a wait that ran out of time. */
export function deadlineMessage(name: string, waitMs: number): string {
  return `no permit of "${name}" became free within ${waitMs} ms; you have left the queue`;
}

/** The error of a wait that ran out of time (reason WAIT_TIMEOUT). */
export function waitTimeout(name: string, waitMs: number): BatonError {
  return new BatonError("deadline_exceeded", deadlineMessage(name, waitMs), { reason: "WAIT_TIMEOUT", metadata: { name, wait_ms: String(waitMs) } });
}
