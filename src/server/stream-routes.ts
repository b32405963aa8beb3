import { create, toBinary, type DescMessage, type DescService, type MessageShape } from "@bufbuild/protobuf";
import { readOne, requestChunks, serveStream, takesRaw, timeoutHeader } from "./envelope.js";
import type { StreamRoute } from "./listener.js";

/** A server-streaming handler as a ServiceImpl has it; these handlers only read `ctx.signal`. */
type StreamHandler = (req: never, ctx: { signal: AbortSignal }) => AsyncIterable<unknown>;

interface Route {
  input: DescMessage;
  output: DescMessage;
  handler: StreamHandler;
}

/**
 * The server-streaming RPCs of some services (lock Watch, rendezvous Wait, Subscribe, Arrive,
 * WaitReady; lock Wait too, though app.ts mounts wait-route.ts, its leaner route, in front) served
 * straight on the HTTP/2 stream for binary Connect clients, with the same handlers as the
 * Connect router. An idle stream through connect-node costs ~36 KiB of heap
 * (its per-call contexts, abort controllers and generator pipeline); here it costs what Baton's
 * own objects and Node's stream do, so one instance holds 100,000 waiters (BENCHMARKS.md).
 * Anything else (gRPC, gRPC-Web, JSON, compression, HTTP/1.1) goes to the Connect router.
 */
export function streamRoutes(
  services: ReadonlyArray<readonly [DescService, object]>,
  log: (message: string) => void,
  options: { readMaxBytes?: number } = {},
): StreamRoute {
  const maxBytes = options.readMaxBytes ?? 256 * 1024;
  const routes = new Map<string, Route>();
  for (const [service, impl] of services) {
    for (const method of service.methods) {
      if (method.methodKind !== "server_streaming") continue;
      const handler = (impl as Record<string, unknown>)[method.localName];
      if (typeof handler !== "function") continue;
      routes.set(`/${service.typeName}/${method.name}`, { input: method.input, output: method.output, handler: handler as StreamHandler });
    }
  }
  return (stream, headers) => {
    const route = routes.get(headers[":path"] ?? "");
    if (route === undefined || !takesRaw(headers)) return false;
    const timeoutMs = timeoutHeader(headers);
    if (timeoutMs === false) return false;
    void serveStream(
      stream,
      log,
      timeoutMs,
      async function* (signal) {
        const request = await readOne(route.input, requestChunks(stream), maxBytes);
        yield* route.handler(request as never, { signal });
      },
      (message) => toBinary(route.output, create(route.output, message as MessageShape<DescMessage>)),
    );
    return true;
  };
}
