import type { RendezvousStore } from "../../store/rendezvous.js";
import { newWaiterId } from "../../store/token.js";
import { Channel } from "../channel.js";
import { BatonError } from "../errors.js";
import { checkName, checkOwner, checkWait, type Bounds } from "../validate.js";
import type { LocalStreams } from "./local-streams.js";
import { streamScope } from "./scope.js";
import type { Ticker } from "./ticker.js";
import { checkParties } from "./validate.js";

/** A barrier arrival as it comes from any transport. */
export interface ArriveParams {
  key: string;
  parties: number;
  /** Unset waits as long as the stream lives; 0 does not wait; N up to N ms. */
  waitUpToMs?: number;
  owner: string;
}

/** One event of an Arrive stream. */
export type ArriveEvent =
  | { type: "progress"; generation: number; arrived: number; parties: number }
  | { type: "heartbeat"; elapsedMs: number }
  | { type: "tripped"; generation: number; index: number; parties: number };

/** What the barrier flow needs from the engine. */
export interface BarrierDeps {
  store: RendezvousStore;
  local: LocalStreams;
  ticker: Ticker;
  closing: AbortSignal;
  bounds: Bounds;
  maxParties: number;
  onError(error: unknown): void;
}

/**
 * One participant's way through a barrier: counted on arrival, told of every arrival and
 * departure, then of the trip with its index. A participant whose stream ends (disconnect,
 * timeout, shutdown) before the trip leaves the barrier, so it is no longer counted.
 */
export async function* arriveAtBarrier(params: ArriveParams, caller: AbortSignal, deps: BarrierDeps): AsyncGenerator<ArriveEvent> {
  const key = checkName(params.key, "key");
  const parties = checkParties(params.parties, deps.maxParties);
  const timeoutMs = checkWait(params.waitUpToMs, "wait_ms", deps.bounds);
  const owner = checkOwner(params.owner);
  const startedMs = Date.now();
  const scope = streamScope(caller, deps.closing, timeoutMs, "");
  const channel = new Channel<ArriveEvent>(scope.signal);
  const participantId = newWaiterId();
  let tripped: Extract<ArriveEvent, { type: "tripped" }> | undefined;
  const removeSink = deps.local.addParticipant(key, participantId, {
    onProgress: (generation, arrived, total) => channel.push({ type: "progress", generation, arrived, parties: total }),
    onTripped: (generation, index, total) => {
      tripped = { type: "tripped", generation, index, parties: total };
      channel.push(tripped);
    },
  });
  const stopBeat = deps.ticker.add(() => channel.push({ type: "heartbeat", elapsedMs: Date.now() - startedMs }));
  let counted = false;
  let lastArrived = -1;
  let lastProgress: Extract<ArriveEvent, { type: "progress" }> | undefined;
  try {
    const result = await deps.store.arrive({ key, participantId, owner, parties });
    if (result.kind === "parties_mismatch") {
      throw new BatonError(
        "failed_precondition",
        `barrier "${key}" is gathering ${result.parties} parties (${result.arrived} arrived) and you asked for ${parties}; ` +
          `arrive with parties=${result.parties}, or use another key`,
        { reason: "PARTIES_MISMATCH", metadata: { key, parties: String(result.parties) } },
      );
    }
    if (result.kind === "tripped") {
      const index = result.participants.indexOf(participantId) + 1;
      yield { type: "tripped", generation: result.generation, index, parties: result.parties };
      return;
    }
    counted = true;
    scope.looked();
    let event: ArriveEvent = { type: "progress", generation: result.generation, arrived: result.arrived, parties: result.parties };
    for (;;) {
      if (event.type === "progress") {
        lastProgress = event;
        // The store's own event for this arrival duplicates the result: say each count once.
        if (event.arrived !== lastArrived) yield event;
        lastArrived = event.arrived;
      } else {
        yield event;
        if (event.type === "tripped") return;
      }
      try {
        event = await channel.next();
      } catch (error) {
        counted = false;
        const left = await deps.store.leaveBarrier(key, participantId);
        // The last participant may have arrived in the same instant: then this one was counted.
        if (left.kind === "not_waiting" && tripped !== undefined && !caller.aborted) {
          yield tripped;
          return;
        }
        if (!scope.timedOut()) throw error;
        const progress = lastProgress === undefined ? "" : `: ${lastProgress.arrived} of ${lastProgress.parties} parties had arrived`;
        throw new BatonError("deadline_exceeded", `barrier "${key}" did not trip within ${timeoutMs} ms${progress}; you have left it`, {
          reason: "WAIT_TIMEOUT",
          metadata: { key, wait_ms: String(timeoutMs) },
        });
      }
    }
  } finally {
    removeSink();
    stopBeat();
    scope.dispose();
    if (counted && tripped === undefined) await deps.store.leaveBarrier(key, participantId).catch(deps.onError);
  }
}
