import type { ProbeSpec } from "../../engine/probes/probe.js";
import type { RendezvousEngine } from "../../engine/rendezvous/rendezvous-engine.js";
import { isCode } from "./http.js";

/** How a blocking GET ended, and for a probe that timed out, what its last attempt said. */
export interface WaitOutcome {
  ready: boolean;
  lastError?: string;
}

/** Who sets a probe key when its probe succeeds, in every API's listings. */
const PROBE_OWNER = "web-rendezvous probe";

/** Blocks until `key` is set (by PUT/POST here or by any Baton API) or `timeoutMs` passes. */
export async function waitForKey(engine: RendezvousEngine, key: string, timeoutMs: number, owner: string, signal: AbortSignal): Promise<WaitOutcome> {
  try {
    for await (const event of engine.wait({ key, waitUpToMs: timeoutMs, owner }, signal)) {
      if (event.type === "signaled") return { ready: true };
    }
    return { ready: false };
  } catch (error) {
    if (isCode(error, "deadline_exceeded")) return { ready: false };
    throw error;
  }
}

/**
 * Blocks until a readiness probe succeeds or `timeoutMs` passes. The original put a probe key in
 * its waiting list while probing (left there on timeout) and marked it on success; here the key
 * is waited for in the store beside the probe, and set when the probe succeeds, so the homepage
 * (of every instance) shows the same. The answer is the probe's.
 */
export async function waitForProbe(
  engine: RendezvousEngine,
  key: string,
  spec: ProbeSpec,
  timeoutMs: number,
  owner: string,
  signal: AbortSignal,
): Promise<WaitOutcome> {
  const stop = new AbortController();
  const listed = waitForKey(engine, key, timeoutMs, owner, AbortSignal.any([signal, stop.signal]));
  // The bookkeeping wait's own outcome does not matter once the probe has answered.
  const settled = listed.then(
    () => undefined,
    () => undefined,
  );
  let lastError: string | undefined;
  try {
    for await (const event of engine.waitReady(spec, { waitUpToMs: timeoutMs }, signal)) {
      if (event.type === "failed") lastError = event.error;
      if (event.type === "ready") {
        await engine.signal({ key, payload: "", owner: PROBE_OWNER });
        await settled;
        return { ready: true };
      }
    }
  } catch (error) {
    if (isCode(error, "deadline_exceeded")) {
      await settled;
      return lastError === undefined ? { ready: false } : { ready: false, lastError };
    }
    // A target the engine cannot probe (a bad port, a database name it refuses) never becomes
    // ready, as in the original: the GET answers like any other reserved key's.
    if (isCode(error, "invalid_argument")) return listed;
    stop.abort();
    await settled;
    throw error;
  }
  stop.abort();
  await settled;
  return { ready: false };
}
