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
  const timeout = new AbortController();
  const expired = new BatonError("deadline_exceeded", timeoutMessage);
  const timer = timeoutMs > 0 ? setTimeout(() => timeout.abort(expired), timeoutMs) : undefined;
  const signal = AbortSignal.any([caller, closing, timeout.signal]);
  return {
    signal,
    // The combined signal keeps the reason of whichever source aborted first.
    timedOut: () => signal.aborted && signal.reason === expired,
    dispose: () => clearTimeout(timer),
  };
}
