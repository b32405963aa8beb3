import type { RendezvousEvent } from "../../rendezvous.js";

/** Keys remembered; the oldest is forgotten first. A forgotten key can at worst see one duplicate. */
const MAX_KEYS = 10_000;

/**
 * What this instance last delivered per key, so that a signal or trip replayed after a
 * reconnect (found by re-reading Redis) is not delivered a second time when its pub/sub event
 * did arrive after all. Signals are told apart by their sequence number, which only grows; a
 * trip by its generation and first participant (generations restart if Redis lost its data).
 */
export class RecentDeliveries {
  private readonly signals = new Map<string, number>();
  private readonly trips = new Map<string, string>();

  /** Whether the event is new (and remembers it); events of other kinds are always new. */
  first(event: RendezvousEvent, seq: number): boolean {
    if (event.kind === "signaled") {
      if ((this.signals.get(event.key) ?? 0) >= seq) return false;
      remember(this.signals, event.key, seq);
      return true;
    }
    if (event.kind === "tripped") {
      const signature = `${event.generation}:${event.participants[0] ?? ""}`;
      if (this.trips.get(event.key) === signature) return false;
      remember(this.trips, event.key, signature);
    }
    return true;
  }
}

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_KEYS) map.delete(map.keys().next().value as string);
}
