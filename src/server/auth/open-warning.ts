import { isLoopback } from "./loopback.js";

/**
 * The loud start-up warning of an open server: with no keys configured, anyone who reaches the
 * port may take any lock. Silent on loopback, where only this machine can call.
 */
export function openServerWarning(host: string, keys: number, clientCa: boolean): string | undefined {
  if (keys > 0 || clientCa || isLoopback(host)) return undefined;
  const bar = "!".repeat(78);
  return [
    bar,
    `baton: WARNING: listening on ${host} with NO API KEYS configured: anyone who can reach this`,
    "baton: port can take, release and reset any lock or signal. Add keys (baton key new NAME,",
    "baton: docs/security.md) or bind to 127.0.0.1.",
    bar,
  ].join("\n");
}
