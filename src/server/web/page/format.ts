import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampMs } from "@bufbuild/protobuf/wkt";

/** Server time minus this browser's time, from the Overview stream, so countdowns do not trust the local clock. */
let skewMs = 0;

/** Takes note of the server's clock. */
export function serverTimeIs(ms: number): void {
  skewMs = ms - Date.now();
}

/** Now, on the server's clock. */
export function serverNow(): number {
  return Date.now() + skewMs;
}

/** A timestamp in ms; undefined when unset. */
export function ms(t: Timestamp | undefined): number | undefined {
  return t === undefined ? undefined : timestampMs(t);
}

/** A duration as a person reads it: 850 ms, 4.2 s, 3 min 20 s, 2 h 5 min. */
export function duration(msValue: number): string {
  const v = Math.max(0, msValue);
  if (v < 1) return v === 0 ? "0 ms" : `${v.toFixed(2)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 1 : 0)} s`;
  const s = Math.round(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** How long ago a server time was. */
export function ago(t: Timestamp | undefined): string {
  const at = ms(t);
  return at === undefined ? "" : `${duration(serverNow() - at)} ago`;
}

/** How long until a server time; "never" when unset. */
export function until(t: Timestamp | undefined): string {
  const at = ms(t);
  if (at === undefined) return "never";
  const left = at - serverNow();
  return left <= 0 ? "now" : `in ${duration(left)}`;
}

/** A clock time for tooltips, e.g. 14:03:27. */
export function clock(t: Timestamp | undefined): string {
  const at = ms(t);
  return at === undefined ? "" : new Date(at).toLocaleTimeString();
}

/** A count with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 lease", "3 leases". */
export function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? "" : "s"}`;
}
