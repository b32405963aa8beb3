import { performance } from "node:perf_hooks";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { callContextOf } from "../pipeline/call-context-of.js";
import type { PipelineContext } from "../pipeline/context.js";
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
 * sits outside the error interceptor (and auth), so it sees the codes the clients get. A stream
 * is observed through one small wrapper of its response iterator: an idle waiter costs one object.
 */
export function observeCalls(observers: ReadonlyArray<CallObserver>): Interceptor {
  return (next) => async (req) => {
    const ctx = callContextOf(req);
    const call: ObservedCall = {
      service: req.service.typeName,
      method: req.method.name,
      protocol: protocolLabel(ctx?.protocolName),
      streaming: req.stream,
      requestId: requestIdFrom(ctx !== undefined ? ctx.requestHeaderValue(REQUEST_ID_HEADER) : req.header.get(REQUEST_ID_HEADER)),
      startedAt: performance.now(),
    };
    ctx?.responseHeader.set(REQUEST_ID_HEADER, call.requestId);
    let res;
    try {
      res = await next(req);
    } catch (error) {
      finish(observers, call, ctx?.reason ?? error, false);
      throw error;
    }
    if (!res.stream) {
      finish(observers, call, undefined, false);
      return res;
    }
    for (const o of observers) o.streamOpened?.(call);
    (res as { message: AsyncIterable<unknown> }).message = new ObservedStream(res.message[Symbol.asyncIterator](), observers, call, ctx);
    return res;
  };
}

function protocolLabel(name: string | undefined): string {
  if (name === undefined) return "unknown";
  return name.replace(/[^a-z]/g, "_");
}

function finish(observers: ReadonlyArray<CallObserver>, call: ObservedCall, error: unknown, opened: boolean): void {
  const connectError = error === undefined ? undefined : ConnectError.from(error);
  const outcome: CallOutcome = { code: connectError === undefined ? "ok" : codeToString(connectError.code), error: connectError, durationMs: performance.now() - call.startedAt, opened };
  for (const o of observers) {
    try {
      o.finished(call, outcome);
    } catch {
      // An observer's bug must not fail the call it observes.
    }
  }
}

/** A stream that reports its end (done, failed, or stopped) exactly once. */
class ObservedStream<T> implements AsyncIterableIterator<T> {
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly observers: ReadonlyArray<CallObserver>,
    private readonly call: ObservedCall,
    private readonly ctx: PipelineContext | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  // A plain promise chain, not an async method: a suspended async method is a generator object
  // and a context an idle waiter would keep for hours.
  next(): Promise<IteratorResult<T>> {
    return this.source.next().then(
      (step) => {
        if (step.done === true) this.end(this.ctx?.reason);
        return step;
      },
      (error: unknown) => {
        this.end(this.ctx?.reason ?? error);
        throw error;
      },
    );
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    // Stopped from outside: the client left (canceled), or the deadline or shutdown (the reason).
    this.end(this.ctx?.reason ?? STOPPED);
    return (await this.source.return?.(value as T)) ?? { done: true, value: value as T };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end(error);
    if (this.source.throw === undefined) throw error;
    return this.source.throw(error);
  }

  private end(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    finish(this.observers, this.call, error, true);
  }
}

/** Why a stream stopped by its consumer ended, when nothing else says: its client went away. */
const STOPPED = new ConnectError("the client went away", Code.Canceled);
