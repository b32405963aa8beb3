import type { PreparedProbe } from "./probe.js";

/** One event of a readiness wait. */
export type ReadyEvent =
  | { type: "failed"; attempt: number; error: string; elapsedMs: number }
  | { type: "ready"; attempts: number; elapsedMs: number; detail: string };

/** How often and how long to try. */
export interface PollTiming {
  intervalMs: number;
  attemptTimeoutMs: number;
  /** Stop after this many failed attempts (the caller then reports the timeout); unset: never. */
  maxAttempts?: number | undefined;
}

/**
 * Polls a probe until it succeeds: yields each failed attempt, then `ready`. Stops with the
 * signal's reason when it aborts; `lastError` tells the caller what the last failure was.
 */
export async function* pollUntilReady(
  probe: PreparedProbe,
  timing: PollTiming,
  signal: AbortSignal,
  state: { lastError: string } = { lastError: "" },
): AsyncGenerator<ReadyEvent> {
  const startedMs = Date.now();
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    const attemptStartMs = Date.now();
    try {
      const detail = await probe.attempt(timing.attemptTimeoutMs, signal);
      yield { type: "ready", attempts: attempt, elapsedMs: Date.now() - startedMs, detail };
      return;
    } catch (error) {
      signal.throwIfAborted();
      state.lastError = errorText(error);
      yield { type: "failed", attempt, error: state.lastError, elapsedMs: Date.now() - startedMs };
      if (timing.maxAttempts !== undefined && attempt >= timing.maxAttempts) return;
    }
    await sleep(attemptStartMs + timing.intervalMs - Date.now(), signal);
  }
}

/** An error as one line a person can act on; Node's dual-stack connects fail with an AggregateError and no message. */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.message === "") {
    return [...new Set(error.errors.map(errorText))].join("; ");
  }
  if (error instanceof Error) return error.message !== "" ? error.message : error.name;
  return String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
