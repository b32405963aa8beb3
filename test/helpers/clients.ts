import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { ElectionService } from "../../src/gen/baton/lock/v1/election_pb.js";

/** The ways in that every server test runs through. */
export const TRANSPORTS = ["connect-json-h1", "connect-binary-h2", "grpc-h2", "grpc-web-h1"] as const;
/** One of TRANSPORTS. */
export type TransportKind = (typeof TRANSPORTS)[number];

/** A transport of the given kind to a Baton server's base URL. */
export function transportFor(kind: TransportKind, baseUrl: string): Transport {
  switch (kind) {
    case "connect-json-h1":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false });
    case "connect-binary-h2":
      return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true });
    case "grpc-h2":
      return createGrpcTransport({ baseUrl });
    case "grpc-web-h1":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1" });
  }
}

/** A raw generated LockService client over the given kind of transport. */
export function lockClient(kind: TransportKind, baseUrl: string): Client<typeof LockService> {
  return createClient(LockService, transportFor(kind, baseUrl));
}

/** A raw generated ElectionService client over the given kind of transport. */
export function electionClient(kind: TransportKind, baseUrl: string): Client<typeof ElectionService> {
  return createClient(ElectionService, transportFor(kind, baseUrl));
}
