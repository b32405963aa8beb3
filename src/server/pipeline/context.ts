import type * as net from "node:net";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { createContextKey, createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { BatonError } from "../../engine/errors.js";
import type { Exchange, GoneListener } from "./exchange.js";
import type { ResponseHead } from "./protocol.js";

/**
 * The longest delay Node's timers take: a larger one fires at once. A deadline beyond it (about
 * 24.8 days, valid in both protocols' timeout headers) is treated as none rather than as passed.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A HandlerContext the pipeline owns: it aborts the call and cleans up after it. */
export interface CallContext extends HandlerContext, GoneListener {
  /** Aborts the call's signal (client gone, deadline, failure). */
  abort(reason: unknown): void;
  /** Stops the deadline timer; the call is over. */
  dispose(): void;
}

/** Wants to know when a call is over (an object, not a closure: an idle stream keeps it for hours). */
export interface CallEndListener {
  callEnded(failure: unknown): void;
}

/** What the pipeline knows when a call starts. */
export interface CallInit {
  service: DescService;
  method: DescMethod;
  protocolName: string;
  exchange: Exchange;
  /** The deadline the client asked for, if any. */
  timeoutMs: number | undefined;
}

/**
 * A real HandlerContext whose header objects are built only when something reads them: a waiting
 * stream that no interceptor inspects then costs an abort controller and this object, not three
 * Headers (that matters at 100,000 idle waiters).
 */
class LeanContext implements CallContext {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly protocolName: string;
  readonly requestMethod: string;
  /** Made when something reads `signal`: most streams never do, and 100,000 of them add up. */
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private aborted = false;
  /** A stream's iterator, stopped when the call is aborted (one per call: no listener list). */
  private stoppable: AsyncIterator<unknown> | undefined;
  private readonly exchange: Exchange;
  private readonly deadlineAtMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private requestHeaders: Headers | undefined;
  private responseHeaders: Headers | undefined;
  private responseTrailers: Headers | undefined;
  private contextValues: ContextValues | undefined;
  /** A header every response carries (x-request-id), kept as text: a Headers per idle stream costs. */
  private echo: [string, string] | undefined;
  /** Told once how the call ended (see onEnd). */
  private endListener: CallEndListener | undefined;

  constructor(init: CallInit) {
    this.service = init.service;
    this.method = init.method;
    this.protocolName = init.protocolName;
    this.exchange = init.exchange;
    this.requestMethod = init.exchange.method;
    const { timeoutMs } = init;
    if (timeoutMs !== undefined && timeoutMs <= MAX_TIMER_MS) {
      this.deadlineAtMs = Date.now() + timeoutMs;
      this.timer = setTimeout(() => this.abort(deadlineExceeded(timeoutMs)), timeoutMs);
    }
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Why the call was aborted (deadline, client gone, shutdown), if it was. */
  get reason(): unknown {
    return this.abortReason;
  }

  /** Stops `iterator` (a stream's implementation) when the call is aborted. */
  stopOnAbort(iterator: AsyncIterator<unknown>): void {
    if (this.aborted) return void stop(iterator);
    this.stoppable = iterator;
  }

  /** The client went away (see Exchange.onGone). */
  clientGone(): void {
    this.abort(CLIENT_GONE);
  }

  get url(): string {
    return this.exchange.url;
  }

  get requestHeader(): Headers {
    return (this.requestHeaders ??= this.exchange.headers());
  }

  /** One request header, read without building `requestHeader` (~1 KiB a stream) when nothing has yet. */
  requestHeaderValue(name: string): string | null {
    return this.requestHeaders !== undefined ? this.requestHeaders.get(name) : this.exchange.header(name);
  }

  get responseHeader(): Headers {
    if (this.responseHeaders === undefined) {
      this.responseHeaders = new Headers();
      if (this.echo !== undefined) this.responseHeaders.set(this.echo[0], this.echo[1]);
    }
    return this.responseHeaders;
  }

  /**
   * Sets a response header without building `responseHeader` for it: it is kept as text and sent
   * with whatever headers the call's first write carries.
   */
  echoHeader(name: string, value: string): void {
    if (this.responseHeaders !== undefined) this.responseHeaders.set(name, value);
    else this.echo = [name, value];
  }

  /** Tells `listener` once when the call is over: its failure (what the client got), or undefined. */
  onEnd(listener: CallEndListener): void {
    this.endListener = listener;
  }

  get responseTrailer(): Headers {
    return (this.responseTrailers ??= new Headers());
  }

  get values(): ContextValues {
    if (this.contextValues === undefined) {
      this.contextValues = createContextValues();
      // Interceptors (auth, per-connection limits) find the connection here.
      this.contextValues.set(socketKey, this.exchange.socket);
    }
    return this.contextValues;
  }

  timeoutMs(): number | undefined {
    return this.deadlineAtMs === undefined ? undefined : Math.max(0, this.deadlineAtMs - Date.now());
  }

  /** The response headers set so far, without building a Headers to say so (see ResponseHead). */
  headersSet(): ResponseHead {
    return this.responseHeaders ?? this.echo;
  }

  /** The response trailers set so far. */
  trailersSet(): Headers | undefined {
    return this.responseTrailers;
  }

  abort(reason: unknown): void {
    clearTimeout(this.timer);
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
    const iterator = this.stoppable;
    this.stoppable = undefined;
    if (iterator !== undefined) stop(iterator);
  }

  /** The call is over; `failure` is the error its client got, if it failed. */
  dispose(failure?: unknown): void {
    clearTimeout(this.timer);
    const listener = this.endListener;
    this.endListener = undefined;
    listener?.callEnded(failure);
    // The signal also fires when a call completes (HandlerContext's contract), with one shared
    // reason: `abort()` without one would build a DOMException per call.
    if (this.controller !== undefined && !this.controller.signal.aborted) this.controller.abort(CALL_OVER);
  }
}

const CALL_OVER = new BatonError("canceled", "the call is over", { reason: "CANCELLED" });
const CLIENT_GONE = new BatonError("canceled", "the client went away", { reason: "CANCELLED" });

function stop(iterator: AsyncIterator<unknown>): void {
  iterator.return?.().catch(() => undefined);
}

/** Creates the context of one call. */
export function createCallContext(init: CallInit): LeanContext {
  return new LeanContext(init);
}

/** The type of a call's context as the pipeline holds it. */
export type PipelineContext = LeanContext;

/** The error of a call whose client-set deadline passed. */
export function deadlineExceeded(timeoutMs: number): BatonError {
  return new BatonError("deadline_exceeded", `the call's deadline of ${timeoutMs} ms passed`, {
    reason: "DEADLINE_EXCEEDED",
    metadata: { timeout_ms: String(timeoutMs) },
  });
}

/**
 * Work to undo when a unary answer cannot be delivered because the client went away first: an
 * Acquire that was granted as its client cancelled releases the grant instead of leaking it.
 */
export const undeliveredKey = createContextKey<Array<() => void> | undefined>(undefined, { description: "undelivered answer" });

/** The socket of the call's connection (see Exchange.socket), for interceptors that need it. */
export const socketKey = createContextKey<net.Socket | undefined>(undefined, { description: "connection socket" });

/** Registers `undo` to run if the call's answer never reaches its client. */
export function onUndelivered(ctx: HandlerContext, undo: () => void): void {
  const list = ctx.values.get(undeliveredKey);
  if (list === undefined) ctx.values.set(undeliveredKey, [undo]);
  else list.push(undo);
}
