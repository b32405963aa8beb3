// How a call is given up: what the caller sees at once, and what the client tidies up after.
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Settles as `call`, or rejects with `canceled` as soon as `signal` aborts; a value the call
 * yields after that goes to `late` (which gives back what nobody will use).
 */
export function unlessAborted<T>(call: Promise<T>, signal: AbortSignal, late: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    call.then(late, () => undefined);
    return Promise.reject(cancelled(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      settled = true;
      reject(cancelled(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    call.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) late(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) reject(error);
      },
    );
  });
}

/** The error of a call its caller cancelled, as connect-es reports it. */
function cancelled(signal: AbortSignal): ConnectError {
  return ConnectError.from(signal.reason ?? "the call was cancelled", Code.Canceled);
}

/**
 * A signal for one streaming call that also aborts when the iteration ends. connect-es does not
 * cancel a server stream when its consumer stops iterating (break, return, throw); without the
 * abort the server would keep the waiter queued, or the held lease alive, until the connection
 * closed.
 */
export function callScope(outer: AbortSignal | undefined): { signal: AbortSignal; end(): void } {
  const own = new AbortController();
  return { signal: outer ? AbortSignal.any([outer, own.signal]) : own.signal, end: () => own.abort() };
}
