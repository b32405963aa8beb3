import { BatonError, invalid } from "../errors.js";
import type { LockEngine } from "../lock-engine.js";
import type { LeaseRecord } from "../../store/types.js";

/**
 * Ends leases of `name` without their holders' tokens: every lease, or only the one with
 * `fencing`. Each goes through the engine's ordinary release (waiters are granted as after any
 * release), so a holder that released meanwhile is simply skipped. Returns the leases ended.
 */
export async function forceRelease(engine: LockEngine, name: string, fencing: bigint | undefined): Promise<LeaseRecord[]> {
  const { holders } = await engine.describe(name);
  const targets = fencing === undefined ? holders : holders.filter((h) => h.fencing === fencing);
  if (fencing !== undefined && targets.length === 0) {
    throw new BatonError("failed_precondition", `no lease of "${name}" has fencing token ${fencing} (it was released or expired)`, {
      reason: "NOT_HELD",
      metadata: { name, fencing: String(fencing) },
    });
  }
  const released: LeaseRecord[] = [];
  for (const lease of targets) {
    const done = await engine.release(name, lease.token).then(
      (r) => r,
      (error: unknown) => {
        if (error instanceof BatonError && error.reason === "NOT_HELD") return undefined;
        throw error;
      },
    );
    if (done !== undefined) released.push(done);
  }
  return released;
}

/** The audit reason as given, checked: printable, bounded, never a log injection. */
export function auditReason(reason: string): string {
  if (reason.length > 256 || /[\u0000-\u001f\u007f]/.test(reason)) throw invalid("reason must be at most 256 printable characters", "reason");
  return reason;
}
