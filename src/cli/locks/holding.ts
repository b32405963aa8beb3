import type { Lease } from "../../client/index.js";

/**
 * A lease while `baton lock` or `baton elect` runs its command: kept alive by refreshes
 * (lock-run.ts) or by the Wait stream that holds it (elections/stream-hold.ts).
 */
export interface Holding {
  readonly lease: Lease;
  /** Aborts when the lease is lost; its reason says why. */
  readonly signal: AbortSignal;
  /** Gives the lease back; false when it had ended before (the command may have run unprotected). */
  end(): Promise<boolean>;
  /** Why the lease was lost (the signal's reason), in the CLI's words. */
  lostWords(reason: unknown): string;
}
