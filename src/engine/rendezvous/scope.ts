import { BatonError } from "../errors.js";

/** The signal a stream obeys, and whether its own timeout is what ended it. */
export interface StreamScope {
  signal: AbortSignal;
  timedOut(): boolean;
  /**
   * Called once the stream has had its first look (joined, arrived): a timeout of 0 starts only
   * now, so "do not wait" still gets one answer from the store.
   */
  looked(): void;
  dispose(): void;
}

/**
 * Combines the caller's signal, the engine's shutdown and an optional timeout (unset: none; 0:
 * right after the stream's first look) that aborts with `deadline_exceeded` (reason
 * WAIT_TIMEOUT) and the given message.
 */
export function streamScope(
  caller: AbortSignal,
  closing: AbortSignal,
  timeoutMs: number | undefined,
  timeoutMessage: string,
  metadata: Record<string, string> = {},
): StreamScope {
  if (timeoutMs === undefined) {
    const signal = AbortSignal.any([caller, closing]);
    return { signal, timedOut: () => false, looked: () => undefined, dispose: () => undefined };
  }
  const timeout = new AbortController();
  // The error (and its stack trace) is made only when the timer fires: most streams never time out.
  let expired: BatonError | undefined;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    timer = setTimeout(() => {
      expired = new BatonError("deadline_exceeded", timeoutMessage, { reason: "WAIT_TIMEOUT", metadata: { ...metadata, wait_ms: String(timeoutMs) } });
      timeout.abort(expired);
    }, timeoutMs);
  };
  if (timeoutMs > 0) arm();
  const signal = AbortSignal.any([caller, closing, timeout.signal]);
  return {
    signal,
    // The combined signal keeps the reason of whichever source aborted first.
    timedOut: () => expired !== undefined && signal.reason === expired,
    looked: () => {
      if (timeoutMs === 0 && timer === undefined) arm();
    },
    dispose: () => clearTimeout(timer),
  };
}
