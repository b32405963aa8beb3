import { closestMatch } from "leven";

/** Compares names the way people mistype them: case, dashes and underscores do not count. */
function normal(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

/**
 * The known name closest to `name` (`default-ttl` → `defaultTtl`, `prot` → `port`), or undefined
 * when none is close enough to be what was meant.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const byNormal = new Map(known.map((k) => [normal(k), k]));
  const exact = byNormal.get(normal(name));
  if (exact !== undefined) return exact;
  const wanted = normal(name);
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
