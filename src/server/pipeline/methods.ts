import type { DescMessage, DescMethod, DescService, JsonReadOptions, JsonWriteOptions, MessageShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { createMethodSerializationLookup, type MethodSerializationLookup } from "@connectrpc/connect/protocol";

/** A service and its implementation, as the pipeline mounts them (see `mount`). */
export type Mount = readonly [DescService, object];

/** A service with its ServiceImpl, type-checked against each other. */
export function mount<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): Mount {
  return [service, impl];
}

/** One RPC the pipeline serves: where it lives, its shape, its implementation, its codecs. */
export interface Route {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly kind: DescMethod["methodKind"];
  /** The ServiceImpl's function, called with the request (or requests) and the context. */
  readonly impl: (input: unknown, ctx: unknown) => unknown;
  readonly serialization: MethodSerializationLookup<DescMessage, DescMessage>;
}

/** Limits and JSON options every route's codecs share. */
export interface CodecOptions {
  readMaxBytes: number;
  jsonOptions?: Partial<JsonReadOptions & JsonWriteOptions>;
}

/** The routes of some services by request path (`/package.Service/Method`). */
export function routeTable(mounts: ReadonlyArray<Mount>, options: CodecOptions): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const [service, impl] of mounts) {
    for (const method of service.methods) {
      const fn = (impl as Record<string, unknown>)[method.localName];
      if (typeof fn !== "function") continue;
      routes.set(`/${service.typeName}/${method.name}`, {
        service,
        method,
        kind: method.methodKind,
        impl: fn.bind(impl) as Route["impl"],
        serialization: createMethodSerializationLookup(method as never, undefined, options.jsonOptions, {
          readMaxBytes: options.readMaxBytes,
          writeMaxBytes: 0xffffffff,
        }) as MethodSerializationLookup<DescMessage, DescMessage>,
      });
    }
  }
  return routes;
}

/** A message shape of any schema, as routes pass them around. */
export type AnyMessage = MessageShape<DescMessage>;
