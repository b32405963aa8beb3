import type { PresenceRef, RendezvousEvent, SignalRecord } from "../../store/rendezvous.js";

/** What a subscriber follows: one exact key, or every key with a prefix. */
export interface KeyFilter {
  key: string;
  prefix: string;
}

/** A change a subscriber receives. */
export type KeyChangeEvent = { kind: "signaled" | "reset" | "expired"; key: string; signal: SignalRecord; woken: number };

/** What a local barrier participant is told. */
export interface ParticipantSink {
  onProgress(generation: number, arrived: number, parties: number): void;
  onTripped(generation: number, index: number, parties: number): void;
}

/**
 * The waiters, subscribers and barrier participants whose streams live in this process. Routes
 * the store's events to them (from whichever instance the change came) and lists what this
 * instance keeps registered, for the presence touch.
 */
export class LocalStreams {
  private readonly waiters = new Map<string, Map<string, (signal: SignalRecord) => void>>();
  private readonly subscribers = new Map<(event: KeyChangeEvent) => void, KeyFilter>();
  private readonly participants = new Map<string, Map<string, ParticipantSink>>();

  /** Registers a waiter before it joins in the store, so that no signal can slip past it. */
  addWaiter(key: string, id: string, wake: (signal: SignalRecord) => void): () => void {
    return addTo(this.waiters, key, id, wake);
  }

  /** Registers a subscriber; returns the function that removes it. */
  addSubscriber(filter: KeyFilter, sink: (event: KeyChangeEvent) => void): () => void {
    this.subscribers.set(sink, filter);
    return () => this.subscribers.delete(sink);
  }

  /** Registers a barrier participant before it arrives in the store. */
  addParticipant(key: string, id: string, sink: ParticipantSink): () => void {
    return addTo(this.participants, key, id, sink);
  }

  /** Every registration a shared store must keep alive for this instance. */
  presence(): PresenceRef[] {
    const refs: PresenceRef[] = [];
    for (const [key, ids] of this.waiters) for (const id of ids.keys()) refs.push({ kind: "waiter", key, id });
    for (const [key, ids] of this.participants) for (const id of ids.keys()) refs.push({ kind: "participant", key, id });
    return refs;
  }

  /** How many waiters wait here; for tests and metrics. */
  get waiterCount(): number {
    let n = 0;
    for (const ids of this.waiters.values()) n += ids.size;
    return n;
  }

  /** The store listener. */
  onEvent(event: RendezvousEvent): void {
    switch (event.kind) {
      case "signaled": {
        const wakes = [...(this.waiters.get(event.key)?.values() ?? [])];
        for (const wake of wakes) wake(event.signal);
        this.notify({ kind: "signaled", key: event.key, signal: event.signal, woken: event.woken });
        return;
      }
      case "reset":
      case "expired":
        this.notify({ kind: event.kind, key: event.key, signal: event.previous, woken: 0 });
        return;
      case "arrived":
      case "left":
        for (const sink of this.participants.get(event.key)?.values() ?? []) {
          sink.onProgress(event.generation, event.arrived, event.parties);
        }
        return;
      case "tripped": {
        const local = this.participants.get(event.key);
        if (local === undefined) return;
        event.participants.forEach((id, i) => local.get(id)?.onTripped(event.generation, i + 1, event.parties));
        return;
      }
    }
  }

  private notify(change: KeyChangeEvent): void {
    for (const [sink, filter] of this.subscribers) {
      if (filter.key !== "" ? filter.key === change.key : change.key.startsWith(filter.prefix)) sink(change);
    }
  }
}

function addTo<T>(map: Map<string, Map<string, T>>, key: string, id: string, value: T): () => void {
  let ids = map.get(key);
  if (ids === undefined) map.set(key, (ids = new Map()));
  ids.set(id, value);
  return () => {
    const current = map.get(key);
    current?.delete(id);
    if (current?.size === 0) map.delete(key);
  };
}
