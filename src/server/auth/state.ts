import { BatonError } from "../../engine/errors.js";
import { KeyRing } from "./key-ring.js";
import { LeaseLedger } from "./lease-ledger.js";
import type { KeySpec } from "./options.js";
import { UsageBook } from "./usage.js";

/**
 * The server's security state that a config reload (SIGHUP) replaces: the keys. What keys are
 * using (rates, open streams, leases) outlives a reload, so that a reload neither resets a limit
 * nor loses count of what is open.
 */
export class AuthState {
  ring: KeyRing;
  readonly usage = new UsageBook();
  readonly leases = new LeaseLedger();

  /** `onFailure` hears every refused caller (metrics count them by reason); never the key. */
  constructor(
    keys: readonly KeySpec[],
    readonly onFailure: (reason: "missing_credentials" | "bad_credentials" | "permission_denied") => void = () => {},
  ) {
    this.ring = new KeyRing(keys);
  }

  /** Tells `onFailure` about `error` if it refused a caller (unauthenticated or permission_denied). */
  noteFailure(error: unknown): void {
    if (!(error instanceof BatonError)) return;
    if (error.code === "permission_denied") this.onFailure("permission_denied");
    else if (error.code === "unauthenticated") this.onFailure(error.metadata["problem"] === "missing" ? "missing_credentials" : "bad_credentials");
  }

  /** Replaces the keys: a key no longer configured stops working with the next call. */
  reload(keys: readonly KeySpec[]): void {
    this.ring = new KeyRing(keys);
  }
}
