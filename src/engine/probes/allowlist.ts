import { BlockList, isIP } from "node:net";

/** The hosts probes may reach when the configuration names none: this machine only. */
export const DEFAULT_PROBE_ALLOWLIST = ["127.0.0.1", "::1", "localhost"];

/**
 * The hosts readiness probes may reach, so that a Baton server cannot be used to scan or poke
 * its network. Entries are host names (`db.internal`), wildcards for subdomains
 * (`*.internal`), IP addresses, CIDR ranges (`10.0.0.0/8`, `fd00::/8`), or `*` for any host.
 *
 * A name is matched as written and never resolved to check it: `localtest.me` is not allowed
 * merely because it resolves to 127.0.0.1, and `2130706433` is not read as an address. Only IP
 * literals are matched against addresses and ranges.
 */
export class HostAllowlist {
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly addresses = new BlockList();
  private anyHost = false;

  /** Throws an Error naming the first entry that is neither a host, a wildcard, an IP nor a CIDR. */
  constructor(readonly entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === "*") this.anyHost = true;
      else if (entry.includes("/")) this.addRange(raw, entry);
      else if (isIP(stripBrackets(entry)) !== 0) this.addAddress(stripBrackets(entry));
      else if (entry.startsWith("*.") && isHostName(entry.slice(2))) this.suffixes.push(entry.slice(1));
      else if (isHostName(entry)) this.names.add(stripDot(entry));
      else throw new Error(`probe allowlist: "${raw}" is neither a host name, *.domain, an IP address, a CIDR range nor *`);
    }
  }

  /** Why `host` may not be probed, or undefined when it may. */
  denial(host: string): string | undefined {
    const bare = normalize(host);
    if (this.anyHost) return undefined;
    const family = isIP(bare);
    if (family !== 0) {
      if (this.addresses.check(bare, family === 4 ? "ipv4" : "ipv6") || this.names.has(bare)) return undefined;
    } else if (this.names.has(bare) || this.suffixes.some((s) => bare.endsWith(s))) {
      return undefined;
    }
    return `host ${JSON.stringify(host)} is not on this server's probe allowlist (${this.entries.join(", ")}); the operator can add it with --probe-allowlist or BATON_PROBE_ALLOWLIST`;
  }

  private addRange(raw: string, entry: string): void {
    const [address = "", bits = ""] = entry.split("/");
    const family = isIP(address);
    const prefix = Number(bits);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || !/^\d+$/.test(bits) || prefix > max) throw new Error(`probe allowlist: "${raw}" is not a valid CIDR range`);
    this.addresses.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
  }

  private addAddress(address: string): void {
    this.addresses.addAddress(address, isIP(address) === 4 ? "ipv4" : "ipv6");
    this.names.add(address);
  }
}

/** Whether `host` is a syntactically valid host name or IP literal (brackets allowed for IPv6). */
export function isProbeHost(host: string): boolean {
  return isIP(stripBrackets(host)) !== 0 || isHostName(host);
}

function isHostName(name: string): boolean {
  const bare = stripDot(name);
  return bare.length > 0 && bare.length <= 253 && bare.split(".").every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(label));
}

/** Lower case, no brackets, no trailing dot, and IPv4-mapped IPv6 read as the IPv4 address it is. */
function normalize(host: string): string {
  const bare = stripDot(stripBrackets(host.trim().toLowerCase()));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped?.[1] ?? bare;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function stripDot(host: string): string {
  return host.endsWith(".") ? host.slice(0, -1) : host;
}
