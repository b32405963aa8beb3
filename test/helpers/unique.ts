let seq = 0;

/**
 * A lock name or key that no other test, and no earlier run against a shared Redis, has used:
 * `suite/base/pid-time-seq`. Conformance suites use it so any store can run them unchanged.
 */
export function uniqueName(suite: string, base: string): string {
  return `${suite}/${base}/${process.pid}-${Date.now().toString(36)}-${seq++}`;
}

/** How a conformance run gets a fresh store of some kind, and disposes of it. */
export interface Factory<S> {
  open(): Promise<S>;
  close(store: S): Promise<void>;
}
