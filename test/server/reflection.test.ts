import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as v1 from "../../src/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../src/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";

// gRPC server reflection, as grpcurl uses it: list the services, then fetch the file that defines
// a symbol with everything it imports, and build a working descriptor set from the answer.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe.each([
  ["grpc.reflection.v1", v1.ServerReflection, v1.ServerReflectionRequestSchema],
  ["grpc.reflection.v1alpha", v1alpha.ServerReflection, v1alpha.ServerReflectionRequestSchema],
] as const)("%s over gRPC", (_name, service, requestSchema) => {
  async function ask(...requests: Array<Parameters<typeof create<typeof requestSchema>>[1]>) {
    const client = createClient(service as typeof v1.ServerReflection, createGrpcTransport({ baseUrl: server.url }));
    const answers = [];
    for await (const answer of client.serverReflectionInfo((async function* () {
      for (const r of requests) yield create(v1.ServerReflectionRequestSchema, r as never);
    })())) answers.push(answer.messageResponse);
    return answers;
  }

  it("lists Baton's services", async () => {
    const [answer] = await ask({ messageRequest: { case: "listServices", value: "" } });
    if (answer?.case !== "listServicesResponse") throw new Error(`expected services, got ${answer?.case}`);
    expect(answer.value.service.map((s) => s.name)).toEqual(
      expect.arrayContaining(["baton.lock.v1.LockService", "baton.rendezvous.v1.RendezvousService", "grpc.reflection.v1.ServerReflection"]),
    );
  });

  it("describes a service and a method from their files, with every import", async () => {
    const answers = await ask(
      { messageRequest: { case: "fileContainingSymbol", value: "baton.lock.v1.LockService" } },
      { messageRequest: { case: "fileContainingSymbol", value: "baton.lock.v1.LockService.Acquire" } },
      { messageRequest: { case: "fileByFilename", value: "baton/rendezvous/v1/rendezvous.proto" } },
    );
    for (const answer of answers) expect(answer.case).toBe("fileDescriptorResponse");
    const files = answers.flatMap((a) => (a.case === "fileDescriptorResponse" ? a.value.fileDescriptorProto : [])).map((b) => fromBinary(FileDescriptorProtoSchema, b));
    const names = new Set(files.map((f) => f.name));
    expect([...names]).toEqual(expect.arrayContaining(["baton/lock/v1/lock_service.proto", "baton/lock/v1/lock.proto", "baton/lock/v1/session.proto", "google/protobuf/timestamp.proto"]));
    // What a tool does next: build the descriptors and look the method up.
    const unique = [...new Map(files.map((f) => [f.name, f])).values()];
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: unique }));
    const lockService = registry.getService("baton.lock.v1.LockService");
    expect(lockService?.methods.map((m) => m.name)).toContain("Session");
    expect(registry.getMessage("baton.lock.v1.AcquireRequest")?.fields.map((f) => f.name)).toContain("wait_ms");
  });

  it("answers NOT_FOUND for a symbol it does not know, and keeps the stream up", async () => {
    const [unknown, list] = await ask(
      { messageRequest: { case: "fileContainingSymbol", value: "no.such.Thing" } },
      { messageRequest: { case: "listServices", value: "" } },
    );
    expect(unknown).toMatchObject({ case: "errorResponse", value: { errorCode: 5 } });
    expect(list?.case).toBe("listServicesResponse");
  });
});
