import type { LeaseRecord, LockEvent, LockEventKind, LockSnapshot, WaiterRecord } from "../types.js";

/** A lease as the scripts encode it (see lua/includes/lock.lua). */
export interface WireLease {
  o: string;
  t: string;
  f: string;
  a: number;
  e: number;
  l: number;
  /** Set on a grant to another instance's waiter until that instance claims it. */
  i?: string;
  /** Exclusive permits (absent: 1). */
  k?: number;
  /** 1 in shared mode. */
  h?: number;
  /** Published value (absent: ""). */
  v?: string;
}

/** A waiter as describe.lua encodes it. */
export interface WireWaiter {
  id: string;
  o: string;
  l: number;
  q: number;
  t: string;
  k?: number;
  h?: number;
  v?: string;
}

/** What every per-lock script answers, beside its own fields: what the global indexes need. */
export interface IndexHints {
  due: number | false;
  lower: boolean;
  exists: boolean;
  created: boolean;
}

/** A per-lock script's answer. */
export type WireReply = IndexHints & Record<string, unknown> & { r?: string };

/** Parses a script's JSON answer. */
export function parseReply(raw: unknown): WireReply {
  if (typeof raw !== "string") throw new Error(`a Baton script answered ${typeof raw}, expected JSON text`);
  return JSON.parse(raw) as WireReply;
}

/** cjson writes an empty Lua table as `{}`: read it as an empty list. */
export function asList<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** A lease record from its wire form. */
export function toLease(name: string, wire: WireLease): LeaseRecord {
  return {
    name,
    owner: wire.o,
    token: wire.t,
    fencing: BigInt(wire.f),
    acquiredAtMs: wire.a,
    expiresAtMs: wire.e,
    ttlMs: wire.l,
    ...claimOf(wire),
  };
}

/** The mode, permits and value of a wire lease or waiter, with the defaults the scripts omit. */
function claimOf(wire: { k?: number; h?: number; v?: string }): { permits: number; shared: boolean; value: string } {
  const shared = wire.h === 1;
  return { permits: shared ? 0 : wire.k ?? 1, shared, value: typeof wire.v === "string" ? wire.v : "" };
}

/** Holders, oldest grant first (fencing grows with every grant, so it orders them). */
export function toHolders(name: string, value: unknown): LeaseRecord[] {
  return asList<WireLease>(value)
    .map((w) => toLease(name, w))
    .sort((a, b) => (a.fencing < b.fencing ? -1 : a.fencing > b.fencing ? 1 : 0));
}

/** A snapshot from describe.lua's answer. */
export function toSnapshot(name: string, reply: WireReply): LockSnapshot {
  const waiters: WaiterRecord[] = asList<WireWaiter>(reply.waiters).map((w) => ({
    id: w.id,
    owner: w.o,
    ttlMs: w.l,
    queuedAtMs: w.q,
    token: w.t,
    ...claimOf(w),
  }));
  return {
    name,
    limit: Number(reply.limit ?? 1),
    holders: toHolders(name, reply.holders),
    waiters,
    reserved: reply.reserved === true,
    lastFencing: BigInt(String(reply.fencing ?? "0")),
  };
}

const KINDS = new Set<LockEventKind>(["granted", "released", "expired", "refreshed", "queued", "dequeued", "reserved", "proclaimed"]);

/**
 * An event as the scripts publish it (lua/includes/lock.lua): n name, k kind, w waiter id,
 * l lease, s the origin of the script that made it when that script also answered it (a hand-off).
 */
export interface WireEvent {
  n?: unknown;
  k?: unknown;
  w?: unknown;
  l?: WireLease;
  s?: unknown;
}

/**
 * An event as the store handles it: `unclaimed` marks a grant made to a waiter of another
 * instance than the script's caller, which that instance claims before handing it on.
 */
export interface StoreEvent {
  event: LockEvent;
  unclaimed: boolean;
}

/** An event from its wire form; undefined for anything that is not a Baton event. */
export function toEvent(wire: WireEvent): StoreEvent | undefined {
  if (typeof wire.n !== "string" || !KINDS.has(wire.k as LockEventKind)) return undefined;
  const event: LockEvent = { name: wire.n, kind: wire.k as LockEventKind };
  if (wire.l !== undefined) event.lease = toLease(wire.n, wire.l);
  if (typeof wire.w === "string") event.waiterId = wire.w;
  return { event, unclaimed: typeof wire.l?.i === "string" };
}

/**
 * An event from its pub/sub message; undefined for a message that is not a Baton event, and for
 * one whose origin `isOwn` (an id of this instance): its script's answer brought it here already.
 */
export function parseEvent(message: string, isOwn?: (origin: string) => boolean): StoreEvent | undefined {
  let wire: WireEvent;
  try {
    wire = JSON.parse(message) as WireEvent;
  } catch {
    return undefined;
  }
  if (isOwn !== undefined && typeof wire.s === "string" && isOwn(wire.s)) return undefined;
  return toEvent(wire);
}

/** The events a script answered along with its result (a hand-off), in the order it made them. */
export function answeredEvents(reply: WireReply): StoreEvent[] {
  const events: StoreEvent[] = [];
  for (const wire of asList<WireEvent>(reply.ev)) {
    const event = toEvent(wire);
    if (event !== undefined) events.push(event);
  }
  return events;
}
