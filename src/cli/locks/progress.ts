import type { BatonClient, Lease } from "../../client/index.js";
import type { Invocation } from "../invocation.js";
import { holderText } from "./format.js";

/** What `lock` and `acquire` ask for. */
export interface AcquireRequest {
  name: string;
  ttlMs?: number;
  /** 0 tries once; undefined waits without limit. */
  waitMs?: number;
  limit?: number;
  owner?: string;
  shared?: boolean;
  permits?: number;
  /** Published with the lease (an election candidate's value). */
  value?: string;
}

/**
 * Acquires as `request` says, printing the queue position to stderr on joining and on every
 * change, so whoever waits can see for whom and how far back.
 */
export async function acquireShowingQueue(
  client: BatonClient,
  request: AcquireRequest,
  inv: Invocation,
  signal: AbortSignal,
  quiet: boolean,
): Promise<Lease> {
  const { io } = inv;
  const label = `baton ${inv.spec.name}`;
  let waited = false;
  const lease = await client.acquire(request.name, {
    ttlMs: request.ttlMs,
    waitMs: request.waitMs,
    limit: request.limit,
    owner: request.owner,
    shared: request.shared,
    permits: request.permits,
    value: request.value,
    signal,
    onQueued: (event) => {
      waited = true;
      if (quiet) return;
      const holders = event.holders.length === 0 ? "" : `; held by ${event.holders.map((h) => holderText(h, io.now())).join(", ")}`;
      io.stderr.write(`${label}: waiting for ${request.name}: position ${event.position} of ${event.queueLength}${holders}\n`);
    },
  });
  if (waited && !quiet) io.stderr.write(`${label}: acquired ${lease.name} (fencing ${lease.fencing})\n`);
  return lease;
}
