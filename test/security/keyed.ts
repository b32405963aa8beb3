import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { AdminService } from "../../src/gen/baton/admin/v1/admin_pb.js";
import { hashApiKey, newApiKey } from "../../src/server/auth/key-material.js";
import type { KeySpec } from "../../src/server/auth/options.js";
import type { Action } from "../../src/server/auth/scopes.js";
import type { TransportKind } from "../helpers/clients.js";

/** A key made for a test: the secret to present and the spec the server is configured with. */
export interface TestKey {
  key: string;
  spec: KeySpec;
}

/** A fresh key named `name` with these actions and prefixes. */
export function testKey(name: string, actions: Action[], scope: Partial<Pick<KeySpec, "locks" | "rendezvous" | "limits">> = {}): TestKey {
  const key = newApiKey();
  return { key, spec: { name, sha256: hashApiKey(key), actions, locks: scope.locks, rendezvous: scope.rendezvous, limits: scope.limits ?? {} } };
}

/** Sends `Authorization: <value>` on every call (none when undefined). */
export function withAuthorization(value: string | undefined): Interceptor[] {
  if (value === undefined) return [];
  return [(next) => (req) => (req.header.set("authorization", value), next(req))];
}

/** A transport of the given kind presenting `key` as a bearer token (none when undefined). */
export function keyedTransport(kind: TransportKind, baseUrl: string, key: string | undefined): Transport {
  const interceptors = withAuthorization(key === undefined ? undefined : `Bearer ${key}`);
  switch (kind) {
    case "connect-json-h1":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors });
    case "connect-binary-h2":
      return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, interceptors });
    case "grpc-h2":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web-h1":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
  }
}

/** The three services' clients over one keyed transport. */
export function keyedClients(kind: TransportKind, baseUrl: string, key: string | undefined) {
  const t = keyedTransport(kind, baseUrl, key);
  return { lock: createClient(LockService, t), rendezvous: createClient(RendezvousService, t), admin: createClient(AdminService, t) } satisfies Record<string, Client<never>>;
}
