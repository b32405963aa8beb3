import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** A grpc-js client of one service, whose methods take a request object and a callback. */
export type GrpcClient = grpc.Client & Record<string, (request: object, callback: (error: grpc.ServiceError | null, response: unknown) => void) => unknown>;

/**
 * Loads `files` (relative to `includeDir`) with @grpc/proto-loader and returns a constructor for
 * the service `serviceName` ("pkg.Service"), as a grpc-js user would.
 */
export function loadService(includeDir: string, files: string[], serviceName: string): (target: string) => GrpcClient {
  const definition = protoLoader.loadSync(files, { includeDirs: [includeDir], longs: String, defaults: false });
  const loaded = grpc.loadPackageDefinition(definition);
  const Service = serviceName.split(".").reduce<unknown>((o, key) => (o as Record<string, unknown>)[key], loaded) as grpc.ServiceClientConstructor;
  if (typeof Service !== "function") throw new Error(`${serviceName} is not in ${files.join(", ")}`);
  // A subchannel pool of its own per client: each bench client gets its own connection, as it
  // does with the other drivers (grpc-js otherwise shares one connection per target).
  return (target) => new Service(target, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }) as unknown as GrpcClient;
}

/** One unary call as a promise. */
export function call<T>(client: GrpcClient, method: string, request: object): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    client[method]!(request, (error, response) => (error ? reject(error) : resolve(response as T)));
  });
}
