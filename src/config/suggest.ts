import { closestMatch } from "leven";

/** Compares names the way people mistype them: case, dashes and underscores do not count. */
function normal(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

/**
 * The known name closest to `name` (`default-ttl` → `defaultTtl`, `prot` → `port`, `maxQueue` →
 * `maxQueueLength`), or undefined when none is close enough to be what was meant.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const byNormal = new Map(known.map((k) => [normal(k), k]));
  const exact = byNormal.get(normal(name));
  if (exact !== undefined) return exact;
  const wanted = normal(name);
  // A name cut short (maxQueue for maxQueueLength) is what was meant when only one name starts so.
  const longer = [...byNormal.keys()].filter((k) => wanted.length >= 4 && k.startsWith(wanted));
  if (longer.length === 1) return byNormal.get(longer[0]!);
  const maxDistance = Math.min(Math.max(2, Math.floor(wanted.length / 3)), wanted.length - 1);
  if (maxDistance < 1) return undefined;
  const match = closestMatch(wanted, [...byNormal.keys()], { maxDistance });
  return match === undefined ? undefined : byNormal.get(match);
}

/** ` (did you mean "port"?)`, or nothing when no known name is close. */
export function didYouMean(name: string, known: readonly string[], spell: (name: string) => string = (n) => `"${n}"`): string {
  const match = closestName(name, known);
  return match === undefined ? "" : ` (did you mean ${spell(match)}?)`;
}
