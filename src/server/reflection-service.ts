import { create, createRegistry, toBinary, type DescFile, type DescService, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import * as v1 from "../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** The reflection services, under both names tools use (v1, and v1alpha for older tools). */
export const reflectionServices = [v1.ServerReflection, v1alpha.ServerReflection] as const;

type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha) over the services the server mounts,
 * so that `grpcurl -plaintext HOST:PORT list` and `describe` work. It goes through the one request
 * pipeline like every other call. Answers come from the generated code's own descriptors: the
 * file that defines a symbol (or has a name) and every file it depends on.
 */
export function reflectionService(served: ReadonlyArray<DescService>): {
  v1: ServiceImpl<typeof v1.ServerReflection>;
  v1alpha: ServiceImpl<typeof v1alpha.ServerReflection>;
} {
  const services = [...served, ...reflectionServices];
  const byName = new Map<string, DescFile>();
  const collect = (file: DescFile): void => {
    if (byName.has(file.proto.name)) return;
    byName.set(file.proto.name, file);
    for (const dependency of file.dependencies) collect(dependency);
  };
  for (const service of services) collect(service.file);
  const registry = createRegistry(...byName.values());
  const names = services.map((s) => s.typeName);
  const answer = (request: Request) => {
    const asked = request.messageRequest;
    switch (asked.case) {
      case "listServices":
        return { case: "listServicesResponse" as const, value: { service: names.map((name) => ({ name })) } };
      case "fileByFilename": {
        const file = byName.get(asked.value);
        return file === undefined ? notFound(`no file named "${asked.value}"`) : files(file);
      }
      case "fileContainingSymbol": {
        const desc = registry.get(asked.value.replace(/^\./, "")) ?? methodOwner(registry, asked.value);
        return desc === undefined ? notFound(`no symbol named "${asked.value}"`) : files(desc.file);
      }
      case "fileContainingExtension":
        return notFound(`no extension ${asked.value.extensionNumber} of "${asked.value.containingType}"`);
      case "allExtensionNumbersOfType":
        return { case: "allExtensionNumbersResponse" as const, value: { baseTypeName: asked.value, extensionNumber: [] } };
      default:
        return { case: "errorResponse" as const, value: { errorCode: Code.InvalidArgument, errorMessage: "the request asks nothing" } };
    }
  };
  return {
    v1: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) {
          yield create(v1.ServerReflectionResponseSchema, { validHost: request.host, originalRequest: request, messageResponse: answer(request) });
        }
      },
    },
    v1alpha: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) {
          yield create(v1alpha.ServerReflectionResponseSchema, { validHost: request.host, originalRequest: request, messageResponse: answer(request) });
        }
      },
    },
  };
}

/**
 * A file and every file it imports, transitively, each once, as serialized descriptors: imports
 * first, so a client can build them in the order given.
 */
function files(file: DescFile) {
  const seen = new Set<DescFile>();
  const visit = (f: DescFile): void => {
    if (seen.has(f)) return;
    for (const dependency of f.dependencies) visit(dependency);
    seen.add(f);
  };
  visit(file);
  return {
    case: "fileDescriptorResponse" as const,
    value: { fileDescriptorProto: [...seen].map((f) => toBinary(FileDescriptorProtoSchema, f.proto)) },
  };
}

/** `pkg.Service.Method` is not a registry entry of its own: its service's file defines it. */
function methodOwner(registry: Registry, symbol: string): DescService | undefined {
  const dot = symbol.lastIndexOf(".");
  const service = registry.getService(symbol.slice(0, dot).replace(/^\./, ""));
  return service?.methods.some((m) => m.name === symbol.slice(dot + 1)) ? service : undefined;
}

function notFound(message: string) {
  return { case: "errorResponse" as const, value: { errorCode: Code.NotFound, errorMessage: message } };
}
