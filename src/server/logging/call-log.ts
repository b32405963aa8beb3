import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import type { CallObserver, CallOutcome, ObservedCall } from "../interceptors/observe.js";
import type { BatonLogger } from "./logger.js";

/** Codes that mean the server (or its store) failed, rather than the request. */
const SERVER_FAULTS = new Set(["internal", "unknown", "unavailable", "data_loss"]);
/** Codes of refused credentials or scopes: security events. */
const SECURITY = new Set(["unauthenticated", "permission_denied"]);

/**
 * Logs one line per failed call (and, with `accessLog`, one per call): method, code, protocol,
 * request id, duration, and for a failure its ErrorInfo reason. Never the messages (they may
 * quote the request), the headers (credentials) or an error's text, which may echo input: the
 * reason is a fixed word. Refused credentials are logged as security events.
 */
export function callLog(logger: BatonLogger, options: { accessLog: boolean }): CallObserver {
  return {
    finished(call: ObservedCall, outcome: CallOutcome) {
      const failed = outcome.code !== "ok";
      if (!failed && !options.accessLog) return;
      const line = {
        event: failed ? (SECURITY.has(outcome.code) ? "security" : "call_failed") : "call",
        service: call.service,
        method: call.method,
        protocol: call.protocol,
        code: outcome.code,
        reason: failed ? reasonOf(outcome) : undefined,
        requestId: call.requestId,
        durationMs: Math.round(outcome.durationMs * 1000) / 1000,
      };
      if (!failed) logger.info(line, "call");
      else if (SERVER_FAULTS.has(outcome.code)) logger.error(line, "call failed");
      else if (SECURITY.has(outcome.code)) logger.warn(line, "call refused");
      // A held lock, a wait that timed out, a bad argument: the client's business, and routine
      // (a try-lock loop makes one a second), so not a warning.
      else logger.info(line, outcome.code === "canceled" ? "call canceled" : "call failed");
    },
  };
}

function reasonOf(outcome: CallOutcome): string | undefined {
  try {
    return outcome.error?.findDetails(ErrorInfoSchema)[0]?.reason || undefined;
  } catch {
    return undefined;
  }
}
