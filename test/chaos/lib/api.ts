/**
 * The one place where the chaos suite names Baton's API: service paths, message shapes and the
 * generated schemas. When the proto packages are renamed (API v1 freeze), only the imports and
 * shapes here change; everything else in test/chaos asks this module.
 */
import { fromBinary, fromJson, toBinary, type DescMessage, type DescMethod, type JsonValue } from "@bufbuild/protobuf";
import { AcquireRequestSchema, AcquireResponseSchema, ReleaseRequestSchema, WaitRequestSchema, WaitResponseSchema } from "../../../src/gen/baton/lock/v1/lock_pb.js";
import { LockService } from "../../../src/gen/baton/lock/v1/lock_service_pb.js";
import { SessionRequestSchema, SessionResponseSchema, type SessionRequest, type SessionResponse } from "../../../src/gen/baton/lock/v1/session_pb.js";
import { RendezvousService } from "../../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";

export { LockService, RendezvousService, SessionRequestSchema, SessionResponseSchema, type SessionRequest, type SessionResponse };

/** `/package.Service/Method` of a LockService method, by its proto name ("Acquire"). */
export function lockPath(method: "Acquire" | "Release" | "Refresh" | "Describe" | "List" | "Reserve" | "Wait" | "Watch" | "Session"): string {
  return `/${LockService.typeName}/${method}`;
}

/** Every RPC the server offers, with its path, kind and input schema (what the fuzzer walks). */
export interface Rpc {
  path: string;
  kind: DescMethod["methodKind"];
  input: DescMessage;
  /** A valid JSON request the fuzzer mutates. */
  seed: JsonValue;
}

const seeds: Record<string, JsonValue> = {
  [`${LockService.typeName}/Acquire`]: { name: "fuzz/a", owner: "fuzzer", ttlMs: "500", waitMs: "50" },
  [`${LockService.typeName}/Wait`]: { name: "fuzz/w", owner: "fuzzer", ttlMs: "500", waitMs: "300", hold: true },
  [`${LockService.typeName}/Release`]: { name: "fuzz/a", token: "0123456789abcdef0123456789abcdef" },
  [`${LockService.typeName}/Refresh`]: { name: "fuzz/a", token: "0123456789abcdef0123456789abcdef", ttlMs: "500" },
  [`${LockService.typeName}/Describe`]: { name: "fuzz/a" },
  [`${LockService.typeName}/List`]: { prefix: "fuzz/", pageSize: 5 },
  [`${LockService.typeName}/Reserve`]: { prefix: "fuzz/r/", limit: 2 },
  [`${LockService.typeName}/Watch`]: { prefix: "fuzz/", initial: true },
  [`${LockService.typeName}/Session`]: { id: "1", acquire: { name: "fuzz/s", owner: "fuzzer", ttlMs: "500", waitMs: "200" }, reportPositions: true },
  [`${RendezvousService.typeName}/Signal`]: { key: "fuzz/k", payload: "x", ttlMs: "500" },
  [`${RendezvousService.typeName}/Reset`]: { key: "fuzz/k" },
  [`${RendezvousService.typeName}/Wait`]: { key: "fuzz/k", waitMs: "300" },
  [`${RendezvousService.typeName}/Subscribe`]: { prefix: "fuzz/", initial: true },
  [`${RendezvousService.typeName}/Arrive`]: { key: "fuzz/b", parties: 2, waitMs: "300" },
  [`${RendezvousService.typeName}/List`]: { prefix: "fuzz/" },
  [`${RendezvousService.typeName}/WaitReady`]: { tcp: { host: "127.0.0.1", port: 1 }, intervalMs: "100", waitMs: "300" },
};

/** All RPCs of both services. */
export const RPCS: Rpc[] = [LockService, RendezvousService].flatMap((service) =>
  service.methods.map((m) => {
    const key = `${service.typeName}/${m.name}`;
    const seed = seeds[key];
    if (seed === undefined) throw new Error(`test/chaos/lib/api.ts: no fuzz seed for ${key}; add one`);
    return { path: `/${key}`, kind: m.methodKind, input: m.input, seed };
  }),
);

/** A JSON request encoded as protobuf binary (the seed of binary fuzz cases). */
export function jsonToBinary(schema: DescMessage, json: JsonValue): Uint8Array {
  return toBinary(schema, fromJson(schema, json));
}

/** Where the compatibility layers are mounted (their defaults). */
export const COMPAT_PREFIXES = ["/webmutex/", "/rendezvous/", "/locker/", "/distributex/"] as const;
/** The live page and the health route. */
export const PAGE_PATH = "/ui";
export const HEALTH_PATH = "/healthz";

/** An Acquire request as JSON (Connect JSON over HTTP/1.1). 64-bit numbers travel as strings. */
export interface AcquireJson {
  name: string;
  owner: string;
  ttlMs?: string;
  limit?: number;
  waitMs?: string;
}

/** The granted lease as JSON. */
export interface LeaseJson {
  name: string;
  owner: string;
  token: string;
  fencing: string;
  acquiredAt: string;
  expiresAt: string;
  ttlMs: string;
}

/** One lock of a Describe or List answer, as JSON (empty lists are left out). */
export interface LockInfoJson {
  name: string;
  limit?: number;
  holders?: { owner: string; fencing: string; expiresAt?: string }[];
  waiters?: { owner: string; position: number }[];
  reserved?: boolean;
  lastFencing?: string;
}

/** A List answer as JSON. */
export interface ListJson {
  locks?: LockInfoJson[];
  nextPageToken?: string;
}

/** A rendezvous List answer as JSON: what is waited for, set, or gathering. */
export interface RendezvousListJson {
  waiting?: unknown[];
  barriers?: unknown[];
}

/** Acquire and Release in protobuf binary (gRPC clients). */
export const binary = {
  acquireRequest: (r: { name: string; owner: string; ttlMs: bigint; waitMs: bigint }): Uint8Array =>
    toBinary(AcquireRequestSchema, { $typeName: AcquireRequestSchema.typeName, ...r, limit: undefined }),
  acquireResponse: (bytes: Uint8Array) => fromBinary(AcquireResponseSchema, bytes),
  releaseRequest: (r: { name: string; token: string }): Uint8Array => toBinary(ReleaseRequestSchema, { $typeName: ReleaseRequestSchema.typeName, ...r }),
  /** waitMs undefined: wait as long as the call lives. */
  waitRequest: (r: { name: string; owner: string; ttlMs: bigint; waitMs?: bigint; hold: boolean }): Uint8Array =>
    toBinary(WaitRequestSchema, { $typeName: WaitRequestSchema.typeName, ...r, limit: undefined }),
  waitResponse: (bytes: Uint8Array) => fromBinary(WaitResponseSchema, bytes),
  /** waitMs undefined: wait as long as the session lives. */
  sessionAcquire: (id: bigint, r: { name: string; owner: string; ttlMs: bigint; waitMs?: bigint }): Uint8Array =>
    toBinary(
      SessionRequestSchema,
      fromJson(SessionRequestSchema, { id: String(id), acquire: { name: r.name, owner: r.owner, ttlMs: String(r.ttlMs), ...(r.waitMs === undefined ? {} : { waitMs: String(r.waitMs) }) } }),
    ),
  sessionPing: (id: bigint): Uint8Array => toBinary(SessionRequestSchema, fromJson(SessionRequestSchema, { id: String(id), ping: {} })),
  sessionRequest: (r: SessionRequest): Uint8Array => toBinary(SessionRequestSchema, r),
  sessionResponse: (bytes: Uint8Array): SessionResponse => fromBinary(SessionResponseSchema, bytes),
};
