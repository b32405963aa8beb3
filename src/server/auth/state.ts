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

  constructor(keys: readonly KeySpec[]) {
    this.ring = new KeyRing(keys);
  }

  /** Replaces the keys: a key no longer configured stops working with the next call. */
  reload(keys: readonly KeySpec[]): void {
    this.ring = new KeyRing(keys);
  }
}
