import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RendezvousService } from "../../gen/baton/rendezvous/v1/rendezvous_pb.js";

/** The generated RendezvousService client for one CLI call: Connect over HTTP/1.1, like curl. */
export function rendezvousClient(baseUrl: string): Client<typeof RendezvousService> {
  return createClient(RendezvousService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
}

/**
 * Aborts the returned signal on SIGINT or SIGTERM, so a waiting command closes its stream (and
 * leaves the wait or barrier) instead of dying mid-call. Call `release` when done.
 */
export function interruptible(): { signal: AbortSignal; release: () => void } {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: stop.signal,
    release: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Writes a progress line to stderr when a person watches (stderr is a terminal) or when asked. */
export function progress(line: string, verbose: boolean): void {
  if (verbose || process.stderr.isTTY) process.stderr.write(line + "\n");
}
