import type { JsonReadOptions, JsonWriteOptions } from "@bufbuild/protobuf";
import type { DescMessage } from "@bufbuild/protobuf";
import type { ConnectError, Interceptor, StreamResponse, UnaryResponse } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import { toConnectError } from "../errors.js";
import { createCallContext, undeliveredKey, type PipelineContext } from "./context.js";
import type { Exchange } from "./exchange.js";
import { invoke, normalise, type RequestInput } from "./invoke.js";
import { routeTable, type AnyMessage, type Mount, type Route } from "./methods.js";
import type { Negotiated, Protocol, ResponseWriter, WireFormat } from "./protocol.js";
import { connectProtocol } from "./protocol-connect.js";
import { grpcProtocol, grpcWebProtocol } from "./protocol-grpc.js";
import { readAll, readSingle, requestMessages, requestParser } from "./read.js";
import { readBody } from "./read-one.js";
import { answerMisuse, misuse } from "./misuse.js";

/** What the pipeline serves and how. */
export interface PipelineOptions {
  /** The services and their implementations. */
  mounts: ReadonlyArray<Mount>;
  /** One chain for every call, in connect-es order (the last is innermost). */
  interceptors: ReadonlyArray<Interceptor>;
  /** Largest request message, in bytes. */
  readMaxBytes: number;
  jsonOptions?: Partial<JsonReadOptions & JsonWriteOptions>;
  /** Request compressions accepted (responses go uncompressed). */
  compressions?: Compression[];
  log: (message: string) => void;
}

/** The one request pipeline: every RPC, whatever its protocol, call shape and HTTP version. */
export interface Pipeline {
  /** Serves the exchange if its path is an RPC of a mounted service; returns whether it did. */
  serve(exchange: Exchange): boolean;
  /** Whether a path belongs to a mounted service (so that nothing else may answer it). */
  owns(path: string): boolean;
  /** Ends every call still running with `reason` (shutdown). */
  abortAll(reason: unknown): void;
}

/** Builds the pipeline: its route table, its protocols, its interceptor chain. */
export function createPipeline(options: PipelineOptions): Pipeline {
  const routes = routeTable(options.mounts, options);
  const services = new Set(options.mounts.map(([service]) => `/${service.typeName}/`));
  const compressions = options.compressions ?? [];
  const protocols: Protocol[] = [connectProtocol(options.jsonOptions, compressions), grpcProtocol(compressions), grpcWebProtocol(compressions)];
  const live = new Set<PipelineContext>();
  const owns = (path: string): boolean => {
    const slash = path.lastIndexOf("/");
    return slash > 0 && services.has(path.slice(0, slash + 1));
  };
  return {
    owns,
    serve(exchange) {
      if (!owns(exchange.path)) return false;
      const contentType = exchange.header("content-type") ?? "";
      const protocol = protocols.find((p) => p.claims(contentType));
      const format = protocol?.format(contentType);
      const route = routes.get(exchange.path);
      const problem = misuse(exchange, route, protocol, format);
      if (problem !== undefined) {
        answerMisuse(exchange, problem, protocol, format);
        return true;
      }
      void serveCall(exchange, route!, protocol!, format!, options, live);
      return true;
    },
    abortAll(reason) {
      for (const ctx of live) ctx.abort(reason);
    },
  };
}

function serveCall(
  exchange: Exchange,
  route: Route,
  protocol: Protocol,
  format: WireFormat,
  options: PipelineOptions,
  live: Set<PipelineContext>,
): void {
  const timeout = protocol.timeout(exchange);
  const compression = protocol.compression(exchange, format);
  const ctx = createCallContext({ service: route.service, method: route.method, protocolName: protocol.name, exchange, timeoutMs: timeout.timeoutMs });
  live.add(ctx);
  exchange.onGone(ctx);
  const writer = protocol.writer(exchange, format, compression);
  const call: Call = { exchange, ctx, writer, live, log: options.log };
  startCall(exchange, route, format, ctx, options, timeout.error ?? compression.error, compression)
    .then((response) => {
      if (!response.stream) return sendUnary(call, route, format, response);
      // Not returned: the chain (its promises and callbacks) would otherwise live as long as the
      // stream. pump handles its own failures and never rejects.
      void pump(call, route.serialization.getO(format.binary).serialize, route.method.output, response.message[Symbol.asyncIterator]());
    })
    .catch((error: unknown) => fail(call, error))
    // Nothing a call does may end the process, not even a failure to report its own failure.
    .catch((error: unknown) => options.log(`baton: a call could not be ended: ${String(error)}`));
}

/** What a call's response needs while it lasts. */
interface Call {
  exchange: Exchange;
  ctx: PipelineContext;
  writer: ResponseWriter;
  live: Set<PipelineContext>;
  log: (message: string) => void;
}

/**
 * Writes a stream's messages as the implementation yields them. Its frame stays suspended for as
 * long as the stream lasts (hours, for a waiter, 100,000 of them): it is kept small on purpose,
 * with the request's parsing done (and its state dropped) in startCall.
 */
async function pump(call: Call, serialize: (message: AnyMessage) => Uint8Array, schema: DescMessage, iterator: AsyncIterator<unknown>): Promise<void> {
  const { exchange, ctx, writer } = call;
  exchange.answering();
  // The client went away, the deadline passed, or the server is shutting down: stop the
  // implementation now, even while it is waiting for its next event.
  ctx.stopOnAbort(iterator);
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) break;
      if (exchange.gone) {
        void iterator.return?.().catch(() => undefined);
        // Over all the same: its context must leave the live set (and tell who waits for its end).
        return done(call, ctx.reason);
      }
      const wrote = writer.send(serialize(normalise(schema, step.value)), ctx.headersSet());
      if (wrote !== undefined) await wrote;
    }
    const undos = ctx.values.get(undeliveredKey);
    if (exchange.gone) runUndos(undos);
    else {
      writer.end(undefined, ctx.headersSet(), ctx.trailersSet());
      if (undos !== undefined) exchange.onUndelivered(() => runUndos(undos));
    }
    done(call, exchange.gone ? ctx.reason : undefined);
  } catch (error) {
    try {
      fail(call, error);
    } catch (failure) {
      // Nothing a call does may end the process, not even a failure to report its own failure.
      call.log(`baton: a call could not be ended: ${String(failure)}`);
    }
  }
}

/** Ends a call that failed: its error (or, when it was aborted, the abort's reason) goes to the client. */
function fail(call: Call, error: unknown): void {
  const { exchange, ctx, writer } = call;
  // A deadline or a shutdown stops a stream's iterator; its error is the call's, not "cancelled".
  const failure = ctx.reason !== undefined ? ctx.reason : error;
  if (!exchange.gone) writer.end(toConnectError(failure, call.log), ctx.headersSet(), ctx.trailersSet());
  done(call, failure);
}

function done(call: Call, failure?: unknown): void {
  call.live.delete(call.ctx);
  call.ctx.dispose(failure);
}

/** Reads the request (for a streaming call, starts reading it) and runs the interceptor chain. */
async function startCall(
  exchange: Exchange,
  route: Route,
  format: WireFormat,
  ctx: PipelineContext,
  options: PipelineOptions,
  headerError: ConnectError | undefined,
  compression: Negotiated,
): Promise<UnaryResponse | StreamResponse> {
  const parse = requestParser(route.serialization.getI(format.binary), route.method.input);
  let input: RequestInput;
  if (route.kind === "unary" || route.kind === "server_streaming") {
    const read = format.enveloped
      ? readSingle(requestMessages(exchange, format, compression, options.readMaxBytes))
      : readBody(exchange.readable(), compression, options.readMaxBytes, exchange.header("content-length"));
    const one = await read.then(
      (data) => ({ data }),
      (error: unknown) => ({ error }),
    );
    input = {
      kind: "one",
      // A malformed header or body fails the call inside the chain, like any other error.
      read: () => {
        if (headerError !== undefined) throw headerError;
        if ("error" in one) throw one.error;
        return parse(one.data);
      },
    };
  } else {
    if (headerError !== undefined) throw headerError;
    input = { kind: "many", messages: readAll(requestMessages(exchange, format, compression, options.readMaxBytes), parse) };
  }
  return invoke(route, ctx, input, options.interceptors);
}

function sendUnary(call: Call, route: Route, format: WireFormat, response: UnaryResponse): void {
  const { exchange, ctx, writer } = call;
  const undos = ctx.values.get(undeliveredKey);
  if (exchange.gone) {
    // The client left before its answer could be sent: undo what the answer would have handed
    // over (a grant, above all), instead of leaking it until its TTL.
    runUndos(undos);
  } else {
    const header = ctx.headersSet();
    void writer.send(route.serialization.getO(format.binary).serialize(response.message), header);
    writer.end(undefined, header, ctx.trailersSet());
    // Or the client leaves while the answer is still on its way out of this server.
    if (undos !== undefined) exchange.onUndelivered(() => runUndos(undos));
  }
  done(call);
}

/** Undoes what an undelivered answer would have handed over; ends what it may have started. */
function runUndos(undos: ReadonlyArray<() => void> | undefined): void {
  for (const undo of undos ?? []) undo();
}
