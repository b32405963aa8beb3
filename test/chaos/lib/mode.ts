/**
 * Short or full run. `npm test` runs the short one (a minute or two for the whole suite);
 * `npm run chaos` sets CHAOS_FULL=1 for the long one.
 */
export const FULL = process.env.CHAOS_FULL === "1";

/** The short value, or the full one under CHAOS_FULL=1. */
export function scale<T>(short: T, full: T): T {
  return FULL ? full : short;
}

/** A vitest timeout for a test that runs about `expectedMs`: generous, since CI machines are shared. */
export function timeoutFor(expectedMs: number): number {
  return expectedMs * 3 + 60_000;
}
