import type { JsonReadOptions, JsonWriteOptions } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type StreamResponse, type UnaryResponse } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import { BatonError } from "../../engine/errors.js";
import { toConnectError } from "../errors.js";
import { createCallContext, undeliveredKey, type PipelineContext } from "./context.js";
import type { Exchange } from "./exchange.js";
import { invoke, normalise, type RequestInput } from "./invoke.js";
import { routeTable, type Mount, type Route } from "./methods.js";
import type { Protocol, ResponseWriter, WireFormat } from "./protocol.js";
import { connectProtocol } from "./protocol-connect.js";
import { grpcProtocol, grpcWebProtocol } from "./protocol-grpc.js";
import { readAll, readSingle, requestMessages, requestParser } from "./read.js";
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

async function serveCall(
  exchange: Exchange,
  route: Route,
  protocol: Protocol,
  format: WireFormat,
  options: PipelineOptions,
  live: Set<PipelineContext>,
): Promise<void> {
  const timeout = protocol.timeout(exchange);
  const compression = protocol.compression(exchange, format);
  const ctx = createCallContext({ service: route.service, method: route.method, protocolName: protocol.name, exchange, timeoutMs: timeout.timeoutMs });
  live.add(ctx);
  exchange.onGone(() => ctx.abort(new BatonError("canceled", "the client went away", { reason: "CANCELLED" })));
  const writer = protocol.writer(exchange, format, compression);
  try {
    const messages = requestMessages(exchange, format, compression, options.readMaxBytes);
    const parse = requestParser(route.serialization.getI(format.binary), route.method.input);
    let input: RequestInput;
    // A malformed header fails the call inside the chain, like any other error.
    const headerError = timeout.error ?? compression.error;
    if (route.kind === "unary" || route.kind === "server_streaming") {
      const one = await readSingle(messages).then(
        (data) => ({ data }),
        (error: unknown) => ({ error }),
      );
      input = {
        kind: "one",
        read: () => {
          if (headerError !== undefined) throw headerError;
          if ("error" in one) throw one.error;
          return parse(one.data);
        },
      };
    } else {
      if (headerError !== undefined) throw headerError;
      input = { kind: "many", messages: readAll(messages, parse) };
    }
    const response = await invoke(route, ctx, input, options.interceptors);
    if (!response.stream) return sendUnary(exchange, ctx, writer, route, format, response);
    await sendStream(exchange, ctx, writer, route, format, response);
  } catch (error) {
    if (!exchange.gone) writer.end(toConnectError(error, options.log), ctx.headersSet(), ctx.trailersSet());
  } finally {
    live.delete(ctx);
    ctx.abort(undefined);
    ctx.dispose();
  }
}

function sendUnary(exchange: Exchange, ctx: PipelineContext, writer: ResponseWriter, route: Route, format: WireFormat, response: UnaryResponse): void {
  if (exchange.gone) {
    // The client left before its answer could be sent: undo what the answer would have handed
    // over (a grant, above all), instead of leaking it until its TTL.
    for (const undo of ctx.values.get(undeliveredKey) ?? []) undo();
    return;
  }
  const header = ctx.headersSet();
  void writer.send(route.serialization.getO(format.binary).serialize(response.message), header);
  writer.end(undefined, header, ctx.trailersSet());
}

async function sendStream(exchange: Exchange, ctx: PipelineContext, writer: ResponseWriter, route: Route, format: WireFormat, response: StreamResponse): Promise<void> {
  const serialize = route.serialization.getO(format.binary).serialize;
  const iterator = response.message[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) break;
      if (exchange.gone) return;
      const wrote = writer.send(serialize(normalise(route.method.output, step.value)), ctx.headersSet());
      if (wrote !== undefined) await wrote;
    }
  } catch (error) {
    throw error instanceof ConnectError || error instanceof BatonError ? error : ConnectError.from(error, Code.Internal);
  } finally {
    // Leaving early (the client went away) runs the implementation's clean-up now.
    if (exchange.gone) void iterator.return?.().catch(() => undefined);
  }
  if (!exchange.gone) writer.end(undefined, ctx.headersSet(), ctx.trailersSet());
}
