import { create, isMessage, type DescMessage } from "@bufbuild/protobuf";
import type { Interceptor, StreamRequest, StreamResponse, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import type { PipelineContext } from "./context.js";
import { CALL_CONTEXT } from "./call-context-of.js";
import type { AnyMessage, Route } from "./methods.js";

/** The function an interceptor chain wraps: a call in, its response out. */
type Next = (req: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;

/** Where a call's request messages come from. */
export type RequestInput =
  /** Unary and server-streaming calls: the one message, parsed (or failing) when first read. */
  | { kind: "one"; read: () => AnyMessage }
  /** Client- and bidi-streaming calls: the messages as they arrive. */
  | { kind: "many"; messages: AsyncIterable<AnyMessage> };

/**
 * Runs a call's implementation through the interceptors (connect-es's Interceptor type; the last
 * in the list is the innermost, as in connect-es). A request message that does not parse fails
 * when it is first read, which is inside the chain, so every interceptor sees every failure.
 */
export function invoke(route: Route, ctx: PipelineContext, input: RequestInput, chain: ReadonlyArray<Interceptor>): Promise<UnaryResponse | StreamResponse> {
  let next: Next = (req) => call(route, ctx, req);
  for (let i = chain.length - 1; i >= 0; i--) next = chain[i]!(next as never) as Next;
  return next(route.kind === "unary" ? unaryRequest(route, ctx, input) : streamRequest(route, ctx, input));
}

// Request and response objects are literals with getters, so that the headers (and, for a unary
// call, the parsed message) are built only if an interceptor or the implementation reads them.

function unaryRequest(route: Route, ctx: PipelineContext, input: RequestInput): UnaryRequest {
  const read = input.kind === "one" ? input.read : () => undefined;
  return {
    [CALL_CONTEXT]: ctx,
    stream: false,
    service: route.service,
    method: route.method as UnaryRequest["method"],
    requestMethod: ctx.requestMethod,
    get signal() {
      return ctx.signal;
    },
    get url() {
      return ctx.url;
    },
    get header() {
      return ctx.requestHeader;
    },
    get contextValues() {
      return ctx.values;
    },
    get message() {
      return read() as UnaryRequest["message"];
    },
  } as UnaryRequest;
}

function streamRequest(route: Route, ctx: PipelineContext, input: RequestInput): StreamRequest {
  return {
    [CALL_CONTEXT]: ctx,
    stream: true,
    service: route.service,
    method: route.method as StreamRequest["method"],
    requestMethod: ctx.requestMethod,
    get signal() {
      return ctx.signal;
    },
    message: input.kind === "many" ? input.messages : new OneMessage(input.read),
    get url() {
      return ctx.url;
    },
    get header() {
      return ctx.requestHeader;
    },
    get contextValues() {
      return ctx.values;
    },
  } as StreamRequest;
}

/** The single request of a server-streaming call as an async iterable, parsed when first read. */
class OneMessage implements AsyncIterable<AnyMessage> {
  constructor(readonly read: () => AnyMessage) {}
  async *[Symbol.asyncIterator](): AsyncGenerator<AnyMessage> {
    yield this.read();
  }
}

/** The innermost step: the ServiceImpl itself. */
async function call(route: Route, ctx: PipelineContext, req: UnaryRequest | StreamRequest): Promise<UnaryResponse | StreamResponse> {
  if (!req.stream) {
    const message = normalise(route.method.output, await route.impl(req.message, ctx));
    return {
      stream: false,
      service: route.service,
      method: route.method as UnaryResponse["method"],
      message,
      get header() {
        return ctx.responseHeader;
      },
      get trailer() {
        return ctx.responseTrailer;
      },
    };
  }
  let input: unknown = req.message;
  // A server-streaming implementation takes its one request; read it here, so its parse error
  // is the call's error.
  if (route.kind === "server_streaming") input = req.message instanceof OneMessage ? req.message.read() : await first(req.message);
  return {
    stream: true,
    service: route.service,
    method: route.method as StreamResponse["method"],
    message: route.impl(input, ctx) as AsyncIterable<AnyMessage>,
    get header() {
      return ctx.responseHeader;
    },
    get trailer() {
      return ctx.responseTrailer;
    },
  };
}

async function first(messages: AsyncIterable<AnyMessage>): Promise<AnyMessage> {
  for await (const message of messages) return message;
  throw new Error("the request stream had no message");
}

/** An implementation's output (a message, or the init shape of one) as a message. */
export function normalise(schema: DescMessage, value: unknown): AnyMessage {
  return isMessage(value, schema) ? value : create(schema, value as never);
}
