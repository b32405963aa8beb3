import { performance } from "node:perf_hooks";
import type { Histogram, Counter } from "prom-client";
import type { Store } from "../../store/types.js";
import type { BatonMetrics } from "./metrics.js";

type Operation = Exclude<keyof Store, "subscribe" | "close">;
/** Every operation of the Store contract: a key missing here (a new operation) fails to compile. */
const TIMED: Record<Operation, true> = {
  acquire: true,
  release: true,
  releaseByOwner: true,
  refresh: true,
  proclaim: true,
  cancelWaiter: true,
  reserve: true,
  describe: true,
  list: true,
};
const OPERATIONS = Object.keys(TIMED) as Operation[];

/** One operation's latency histogram and error counter, resolved once (label lookups cost on the hot path). */
interface Instruments {
  latency: ReturnType<Histogram<"operation">["labels"]>;
  errors: ReturnType<Counter<"operation">["labels"]>;
}

/**
 * Wraps a Store so that each operation's latency and failures are measured. A refusal (busy, not
 * held) is a result, not a failure: only a thrown error (an outage) counts as one. Every other
 * call, `subscribe` and `close`, passes through untouched. The engine gets the wrapper; the app
 * keeps the store itself (tests reach a store's own extras through it).
 */
export function timedStore(store: Store, metrics: BatonMetrics): Store {
  const instruments = new Map<Operation, Instruments>();
  for (const op of OPERATIONS) instruments.set(op, { latency: metrics.storeLatency.labels(op), errors: metrics.storeErrors.labels(op) });
  const timed = {
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  } as Store;
  for (const op of OPERATIONS) {
    const { latency, errors } = instruments.get(op)!;
    const original = (store[op] as (...args: unknown[]) => Promise<unknown>).bind(store);
    (timed as unknown as Record<string, unknown>)[op] = (...args: unknown[]): Promise<unknown> => {
      const start = performance.now();
      return original(...args).then(
        (result) => {
          latency.observe((performance.now() - start) / 1000);
          return result;
        },
        (error: unknown) => {
          latency.observe((performance.now() - start) / 1000);
          errors.inc();
          throw error;
        },
      );
    };
  }
  return timed;
}
