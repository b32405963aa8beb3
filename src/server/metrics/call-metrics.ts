import type { Counter, Gauge } from "prom-client";
import type { CallObserver, CallOutcome, ObservedCall } from "../interceptors/observe.js";
import type { BatonMetrics } from "./metrics.js";

type CallCounter = ReturnType<Counter<"service" | "method" | "protocol" | "code">["labels"]>;
type StreamGauge = ReturnType<Gauge<"service" | "method">["labels"]>;

/**
 * Counts calls by service, method, protocol and code, and the streams open now. The label values
 * come from the route table and the fixed protocol and code sets, so they are bounded; the
 * counters for each combination are looked up once and kept (a label lookup hashes its labels).
 */
export function callMetrics(metrics: BatonMetrics): CallObserver {
  const counters = new Map<string, CallCounter>();
  const gauges = new Map<string, StreamGauge>();
  const stream = (call: ObservedCall): StreamGauge => {
    const key = `${call.service}/${call.method}`;
    let gauge = gauges.get(key);
    if (gauge === undefined) gauges.set(key, (gauge = metrics.streamsOpen.labels(call.service, call.method)));
    return gauge;
  };
  return {
    streamOpened(call) {
      stream(call).inc();
    },
    finished(call: ObservedCall, outcome: CallOutcome) {
      const key = `${call.service}/${call.method}/${call.protocol}/${outcome.code}`;
      let counter = counters.get(key);
      if (counter === undefined) counters.set(key, (counter = metrics.calls.labels(call.service, call.method, call.protocol, outcome.code)));
      counter.inc();
      if (outcome.opened) stream(call).dec();
    },
  };
}
