import { BatonError } from "../errors.js";

/** The signal a stream obeys, and whether its own timeout is what ended it. */
export interface StreamScope {
  signal: AbortSignal;
  timedOut(): boolean;
  dispose(): void;
}

/**
 * Combines the caller's signal, the engine's shutdown and an optional timeout (0: none) that
 * aborts with `deadline_exceeded` and the given message.
 */
export function streamScope(caller: AbortSignal, closing: AbortSignal, timeoutMs: number, timeoutMessage: string): StreamScope {
  if (timeoutMs === 0) {
    const signal = AbortSignal.any([caller, closing]);
    return { signal, timedOut: () => false, dispose: () => undefined };
  }
  const timeout = new AbortController();
  // The error (and its stack trace) is made only when the timer fires: most streams never time out.
  let expired: BatonError | undefined;
  const timer = setTimeout(() => timeout.abort((expired = new BatonError("deadline_exceeded", timeoutMessage))), timeoutMs);
  const signal = AbortSignal.any([caller, closing, timeout.signal]);
  return {
    signal,
    // The combined signal keeps the reason of whichever source aborted first.
    timedOut: () => expired !== undefined && signal.reason === expired,
    dispose: () => clearTimeout(timer),
  };
}
