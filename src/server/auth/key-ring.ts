import { digestOf, sameDigest } from "./key-material.js";
import type { KeyLimits, KeySpec } from "./options.js";
import type { Scopes } from "./scopes.js";

/** A caller Baton recognised: by its key, or by its mTLS client certificate. */
export interface Principal {
  readonly name: string;
  readonly scopes: Scopes;
  readonly limits: KeyLimits;
}

/**
 * The configured keys. A presented key is hashed and compared with every configured hash in
 * constant time (no early exit, no lookup by hash), so timing says nothing about which key
 * nearly matched. The keys themselves are never held, only their hashes.
 */
export class KeyRing {
  private readonly entries: { digest: Buffer | undefined; principal: Principal }[];
  private readonly byName = new Map<string, Principal>();

  constructor(specs: readonly KeySpec[]) {
    this.entries = specs.map((spec) => {
      const principal: Principal = {
        name: spec.name,
        scopes: { actions: new Set(spec.actions), locks: spec.locks, rendezvous: spec.rendezvous },
        limits: spec.limits,
      };
      this.byName.set(spec.name, principal);
      return { digest: spec.sha256 === undefined ? undefined : Buffer.from(spec.sha256, "hex"), principal };
    });
  }

  /** Whether no key is configured: Baton is then open to anyone who reaches it. */
  get open(): boolean {
    return this.entries.length === 0;
  }

  /** The principal whose key this is, if any. */
  byKey(key: string): Principal | undefined {
    const digest = digestOf(key);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (entry.digest !== undefined && sameDigest(entry.digest, digest)) found ??= entry.principal;
    }
    return found;
  }

  /** The principal an mTLS client certificate names (its subject CN). */
  byCertificateName(name: string): Principal | undefined {
    return this.byName.get(name);
  }
}
