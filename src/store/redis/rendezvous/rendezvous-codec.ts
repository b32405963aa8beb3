import type { RendezvousEvent, SignalRecord, TimedOutKey } from "../../rendezvous.js";

/** A value as the scripts encode it (see lua/includes/rendezvous.lua). */
export interface WireSignal {
  p: string;
  o: string;
  a: number;
  e?: number;
  /** Sequence of the signal on its key, a decimal string that only grows. */
  n: string;
}

/** The last trip of a barrier, as arrive.lua keeps it. */
export interface WireTrip {
  g: number;
  p: number;
  ps: unknown;
}

/** A timed-out wait, as leave-wait.lua keeps it. */
export interface WireTimeout {
  a: number;
  w: number;
  o: string;
  c: number;
}

/** A per-key script's answer: its own fields plus what the global indexes need. */
export type WireReply = Record<string, unknown> & { r?: string; due: number | false; lower: boolean; exists: boolean; created: boolean };

/** Parses a script's JSON answer. */
export function parseReply(raw: unknown): WireReply {
  if (typeof raw !== "string") throw new Error(`a Baton rendezvous script answered ${typeof raw}, expected JSON text`);
  return JSON.parse(raw) as WireReply;
}

/** cjson writes an empty Lua table as `{}`: read it as an empty list. */
export function asList<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** A value record from its wire form. */
export function toSignal(key: string, wire: WireSignal): SignalRecord {
  const signal: SignalRecord = { key, payload: wire.p, owner: wire.o, signaledAtMs: wire.a };
  if (typeof wire.e === "number") signal.expiresAtMs = wire.e;
  return signal;
}

/** The sequence number of a wire value (0 when absent). */
export function seqOf(wire: WireSignal | undefined): number {
  return wire === undefined ? 0 : Number(wire.n);
}

/** A timed-out key from its wire form. */
export function toTimedOut(key: string, wire: WireTimeout): TimedOutKey {
  return { key, atMs: wire.a, waitedMs: wire.w, owner: wire.o, count: wire.c };
}

/** An event with the value's sequence number (for signaled), as the store passes it around. */
export interface SequencedEvent {
  event: RendezvousEvent;
  /** Sequence of a signaled event's value; 0 for other kinds. */
  seq: number;
}

interface WireEvent {
  k?: unknown;
  key?: unknown;
  s?: WireSignal;
  w?: number;
  i?: string;
  g?: number;
  a?: number;
  p?: number;
  ps?: unknown;
}

/** An event from its pub/sub message; undefined for a message that is not one. */
export function parseEvent(message: string): SequencedEvent | undefined {
  let wire: WireEvent;
  try {
    wire = JSON.parse(message) as WireEvent;
  } catch {
    return undefined;
  }
  const key = wire.key;
  if (typeof key !== "string") return undefined;
  switch (wire.k) {
    case "signaled":
      if (wire.s === undefined) return undefined;
      return { event: { kind: "signaled", key, signal: toSignal(key, wire.s), woken: Number(wire.w ?? 0) }, seq: seqOf(wire.s) };
    case "reset":
    case "expired":
      if (wire.s === undefined) return undefined;
      return { event: { kind: wire.k, key, previous: toSignal(key, wire.s) }, seq: 0 };
    case "arrived":
    case "left":
      return {
        event: { kind: wire.k, key, participantId: String(wire.i), generation: Number(wire.g), arrived: Number(wire.a), parties: Number(wire.p) },
        seq: 0,
      };
    case "tripped":
      return { event: { kind: "tripped", key, generation: Number(wire.g), parties: Number(wire.p), participants: asList<string>(wire.ps) }, seq: 0 };
    default:
      return undefined;
  }
}
