import type { LockEvent, LockEventKind, LockSnapshot, Store } from "../store/types.js";

/** One change delivered to a watcher: what happened and the lock's state after it. */
export interface WatchEvent {
  kind: LockEventKind | "snapshot";
  lock: LockSnapshot;
}

/** Which locks a watcher wants: one exact name, or every name with a prefix. */
export interface WatchFilter {
  name: string;
  prefix: string;
}

/** Routes store events to the Watch streams whose filter matches, with a fresh snapshot. */
export class WatchHub {
  private readonly sinks = new Map<(event: WatchEvent) => void, WatchFilter>();

  constructor(
    private readonly store: Store,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Adds a watcher; returns the function that removes it. */
  add(filter: WatchFilter, sink: (event: WatchEvent) => void): () => void {
    this.sinks.set(sink, filter);
    return () => this.sinks.delete(sink);
  }

  /** The store listener. Reads the state only when someone watches the lock. */
  onEvent(event: LockEvent): void {
    // Every grant and release passes here; with nobody watching it must cost nothing.
    if (this.sinks.size === 0) return;
    const targets = [...this.sinks].filter(([, filter]) => matches(filter, event.name)).map(([sink]) => sink);
    if (targets.length === 0) return;
    this.store.describe(event.name).then((lock) => {
      for (const sink of targets) sink({ kind: event.kind, lock });
    }, this.onError);
  }
}

/** Whether a lock name passes a watch filter. */
export function matches(filter: WatchFilter, name: string): boolean {
  return filter.name !== "" ? filter.name === name : name.startsWith(filter.prefix);
}
