import type { KeyUsage } from "./usage.js";

/**
 * The leases granted through this server to keys that have a `leases` limit, by token, so that a
 * release with any key (the token is what proves the holder) or an expiry frees the key's count.
 * Leases taken on a Session or through a compatibility layer are not counted (see docs/security.md).
 */
export class LeaseLedger {
  private readonly byToken = new Map<string, { usage: KeyUsage; expiresAtMs: number }>();
  private readonly byUsage = new Map<KeyUsage, Set<string>>();

  /** Leases `usage` holds now; expired ones are forgotten on the way. */
  count(usage: KeyUsage, nowMs: number): number {
    const tokens = this.byUsage.get(usage);
    if (tokens === undefined) return 0;
    for (const token of tokens) {
      if (this.byToken.get(token)!.expiresAtMs <= nowMs) this.released(token);
    }
    return tokens.size;
  }

  /** A lease was granted to `usage`; `expiresAtMs` is Infinity for one that never expires. */
  granted(usage: KeyUsage, token: string, expiresAtMs: number): void {
    this.byToken.set(token, { usage, expiresAtMs });
    let tokens = this.byUsage.get(usage);
    if (tokens === undefined) this.byUsage.set(usage, (tokens = new Set()));
    tokens.add(token);
  }

  /** A lease was refreshed: it lives until `expiresAtMs`. */
  refreshed(token: string, expiresAtMs: number): void {
    const entry = this.byToken.get(token);
    if (entry !== undefined) entry.expiresAtMs = expiresAtMs;
  }

  /** A lease was released (by whichever key) or expired. */
  released(token: string): void {
    const entry = this.byToken.get(token);
    if (entry === undefined) return;
    this.byToken.delete(token);
    const tokens = this.byUsage.get(entry.usage);
    tokens?.delete(token);
    if (tokens?.size === 0) this.byUsage.delete(entry.usage);
  }
}
