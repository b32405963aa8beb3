import type { BatonClient, WaitEvent } from "../../client/index.js";
import type { Invocation } from "../invocation.js";
import type { Holding } from "../locks/holding.js";
import type { AcquireRequest } from "../locks/progress.js";
import { holderText } from "../locks/format.js";

/**
 * Waits for the lock on a Wait stream with `hold` and keeps it on that stream: the server holds
 * the lease while the stream lives and releases it the moment the stream ends, so a process that
 * dies (or whose connection breaks) loses it at once, and the next in the queue gets it. Used by
 * `baton elect`, where that is the difference between a failover in milliseconds and one after a
 * TTL. Prints the queue position to stderr unless `quiet`. `interrupted` abandons the wait; after
 * the grant only `end()` ends the stream.
 */
export async function holdOnStream(client: BatonClient, request: AcquireRequest, inv: Invocation, interrupted: AbortSignal, quiet: boolean): Promise<Holding> {
  const stream = new AbortController();
  const abandon = (): void => stream.abort();
  interrupted.addEventListener("abort", abandon, { once: true });
  const label = `baton ${inv.spec.name}`;
  const events = client.wait(request.name, {
    hold: true,
    limit: request.limit,
    value: request.value,
    ttlMs: request.ttlMs,
    waitMs: request.waitMs,
    owner: request.owner,
    signal: stream.signal,
  });
  let waited = false;
  let granted: Extract<WaitEvent, { type: "granted" }> | undefined;
  try {
    while (granted === undefined) {
      const next = await events.next();
      if (next.done === true) throw new Error(`the server ended the wait for ${request.name} without a grant`);
      const event = next.value;
      if (event.type === "granted") granted = event;
      else if (event.type === "queued" && !quiet) {
        waited = true;
        const holders = event.holders.length === 0 ? "" : `; held by ${event.holders.map((h) => holderText(h, inv.io.now())).join(", ")}`;
        inv.io.stderr.write(`${label}: waiting for ${request.name}: position ${event.position} of ${event.queueLength}${holders}\n`);
      }
    }
  } catch (error) {
    stream.abort();
    throw error;
  } finally {
    interrupted.removeEventListener("abort", abandon);
  }
  const { lease } = granted;
  if (waited) inv.io.stderr.write(`${label}: acquired ${lease.name} (fencing ${lease.fencing})\n`);

  const lost = new AbortController();
  let ending = false;
  // Reads the stream on: a `lost` event, or the stream ending on its own, loses the lease.
  const watching = (async () => {
    try {
      for (;;) {
        const next = await events.next();
        if (next.done === true) break;
        if (next.value.type === "lost") {
          lost.abort(new Error(next.value.reason));
          return;
        }
      }
      if (!ending) lost.abort(new Error("the server ended the stream that held it"));
    } catch (error) {
      if (!ending) lost.abort(error);
    }
  })();
  return {
    lease,
    signal: lost.signal,
    async end() {
      ending = true;
      const lostBefore = lost.signal.aborted;
      // Closing the stream is the release: the server gives the lease back when it ends.
      stream.abort();
      await events.return(undefined).catch(() => undefined);
      await watching;
      return !lostBefore;
    },
    lostWords: (reason) => {
      const why = reason instanceof Error ? inv.explain(reason).message : String(reason);
      return `lost the lease on ${lease.name} (fencing ${lease.fencing}): ${why}`;
    },
  };
}
