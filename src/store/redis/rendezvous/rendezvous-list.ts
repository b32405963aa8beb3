import type { BarrierRecord, RendezvousListInput, RendezvousListing, SignalRecord, TimedOutKey, WaitingKey } from "../../rendezvous.js";
import type { IndexHints } from "../codec.js";
import { asList, toSignal, toTimedOut, type WireReply, type WireSignal, type WireTimeout } from "./rendezvous-codec.js";

/** What List needs from the store. */
export interface ListSource {
  /** Keys of the names index after `cursor` and up to `max` (ZRANGEBYLEX bounds). */
  names(cursor: string, max: string, count: number): Promise<string[]>;
  /** describe.lua on one key. */
  describe(key: string): Promise<WireReply>;
  /** Takes a key that has no state left out of the indexes (in the background). */
  forget(key: string, hints: IndexHints): void;
  /** Keys whose latest timeout is recent. */
  recentTimeouts(): Promise<string[]>;
  /** The raw timeout record of a key, or null once it expired. */
  readTimeout(key: string): Promise<string | null>;
}

/** Keys read per round of the names index. */
const PAGE = 100;

/**
 * List for the Redis store: walks the names index from the prefix in byte order, reading each
 * key with describe.lua, until every list is full or the prefix is exhausted; timeouts come from
 * their own index. Keys the index still names but that have no state are cleaned up on the way.
 */
export async function listRendezvous(input: RendezvousListInput, source: ListSource): Promise<RendezvousListing> {
  const { prefix, limit } = input;
  const waiting: WaitingKey[] = [];
  const set: SignalRecord[] = [];
  const barriers: BarrierRecord[] = [];
  // Keys are printable ASCII, so prefix + DEL (0x7f) bounds every key with that prefix.
  const max = prefix === "" ? "+" : `(${prefix}\x7f`;
  let cursor = `[${prefix}`;
  const full = () => waiting.length >= limit && set.length >= limit && barriers.length >= limit;
  while (!full()) {
    const keys = await source.names(cursor, max, PAGE);
    if (keys.length === 0) break;
    const replies = await Promise.all(keys.map((key) => source.describe(key)));
    replies.forEach((r, i) => {
      const key = keys[i]!;
      if (!r.exists) return source.forget(key, r);
      const w = r.w as { n: number; since: number; o: unknown } | undefined;
      if (w !== undefined && waiting.length < limit) waiting.push({ key, waiters: w.n, sinceMs: w.since, owners: asList<string>(w.o) });
      if (r.s !== undefined && set.length < limit) set.push(toSignal(key, r.s as WireSignal));
      const b = r.b as { g: number; a: number; p: number; o: unknown } | undefined;
      if (b !== undefined && barriers.length < limit) {
        barriers.push({ key, generation: b.g, arrived: b.a, parties: b.p, owners: asList<string>(b.o) });
      }
    });
    cursor = `(${keys.at(-1)!}`;
  }
  return { waiting, set, timedOut: await timedOut(prefix, limit, source), barriers };
}

async function timedOut(prefix: string, limit: number, source: ListSource): Promise<TimedOutKey[]> {
  const keys = (await source.recentTimeouts()).filter((k) => k.startsWith(prefix)).sort();
  const out: TimedOutKey[] = [];
  for (let i = 0; i < keys.length && out.length < limit; i += PAGE) {
    const page = keys.slice(i, i + PAGE);
    const raws = await Promise.all(page.map((key) => source.readTimeout(key)));
    raws.forEach((raw, j) => {
      if (raw !== null && out.length < limit) out.push(toTimedOut(page[j]!, JSON.parse(raw) as WireTimeout));
    });
  }
  return out;
}
