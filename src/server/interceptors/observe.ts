import { performance } from "node:perf_hooks";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { toConnectError } from "../errors.js";
import { callContextOf } from "../pipeline/call-context-of.js";
import type { CallEndListener } from "../pipeline/context.js";
import { REQUEST_ID_HEADER, requestIdFrom } from "../logging/request-id.js";

/** A call as observers see it: never its messages, its headers or its credentials. */
export interface ObservedCall {
  /** The service's full name, e.g. baton.lock.v1.LockService. */
  readonly service: string;
  readonly method: string;
  /** connect, grpc or grpc_web. */
  readonly protocol: string;
  readonly streaming: boolean;
  /** The client's x-request-id when sane, else a fresh one; echoed in the response headers. */
  readonly requestId: string;
  /** performance.now() when the call entered the chain. */
  readonly startedAt: number;
}

/** How a call ended. */
export interface CallOutcome {
  /** The status code as Connect spells it: ok, not_found, unavailable, ... */
  code: string;
  /** The error the client got, for a failed call. */
  error: ConnectError | undefined;
  durationMs: number;
  /** Whether it was a stream that had opened (streamOpened was called for it). */
  opened: boolean;
}

/** Something that watches every call end (metrics, logs). */
export interface CallObserver {
  /** A streaming call's response began (it is open until `finished`). */
  streamOpened?(call: ObservedCall): void;
  finished(call: ObservedCall, outcome: CallOutcome): void;
}

/**
 * The interceptor that sees every call of every protocol end, with its code, and tells the
 * observers; it also gives each call its request id and echoes it in the response headers. It
 * sits outside the error interceptor (and auth), so it sees the codes the clients get. A stream's
 * end comes from the pipeline (PipelineContext.onEnd), with the error its client got.
 */
export function observeCalls(observers: ReadonlyArray<CallObserver>): Interceptor {
  return (next) => async (req) => {
    const ctx = callContextOf(req);
    const requestId = requestIdFrom(ctx !== undefined ? ctx.requestHeaderValue(REQUEST_ID_HEADER) : req.header.get(REQUEST_ID_HEADER));
    const call = new Observed(observers, req.service.typeName, req.method.name, protocolLabel(ctx?.protocolName), req.stream, requestId);
    ctx?.echoHeader(REQUEST_ID_HEADER, requestId);
    let res;
    try {
      res = await next(req);
    } catch (error) {
      call.end(ctx?.reason ?? error, false);
      throw error;
    }
    if (!res.stream || ctx === undefined) {
      // A stream outside the pipeline (none is, today) has no end to see: it counts as it opens.
      call.end(undefined, false);
      return res;
    }
    for (const o of observers) o.streamOpened?.(call);
    // The pipeline says when the stream is over, and with what error: no wrapper around its
    // messages, so an idle waiter costs this record and nothing per message.
    ctx.onEnd(call);
    return res;
  };
}

/**
 * A call being observed. Made outside the interceptor's async function on purpose: a closure made
 * inside it would keep that function's whole frame (the request, the response) alive as long as
 * the stream, about half a KiB per idle waiter.
 */
class Observed implements ObservedCall, CallEndListener {
  readonly startedAt = performance.now();

  constructor(
    private readonly observers: ReadonlyArray<CallObserver>,
    readonly service: string,
    readonly method: string,
    readonly protocol: string,
    readonly streaming: boolean,
    readonly requestId: string,
  ) {}

  callEnded(failure: unknown): void {
    this.end(failure, true);
  }

  end(error: unknown, opened: boolean): void {
    finish(this.observers, this, error, opened);
  }
}

function protocolLabel(name: string | undefined): string {
  if (name === undefined) return "unknown";
  return name.replace(/[^a-z]/g, "_");
}

function finish(observers: ReadonlyArray<CallObserver>, call: ObservedCall, error: unknown, opened: boolean): void {
  // The mapping the client's answer went through (a BatonError, such as a deadline or a shutdown
  // that stopped the call, becomes its code); the pipeline already logged anything unexpected.
  const connectError = error === undefined ? undefined : error instanceof ConnectError ? error : toConnectError(error, ignore);
  const outcome: CallOutcome = { code: connectError === undefined ? "ok" : codeToString(connectError.code), error: connectError, durationMs: performance.now() - call.startedAt, opened };
  for (const o of observers) {
    try {
      o.finished(call, outcome);
    } catch {
      // An observer's bug must not fail the call it observes.
    }
  }
}

function ignore(): void {}
