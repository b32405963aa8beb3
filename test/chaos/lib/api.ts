/**
 * The one place where the chaos suite names Baton's API: service paths, message shapes and the
 * generated schemas. When the proto packages are renamed (API v1 freeze), only the imports and
 * shapes here change; everything else in test/chaos asks this module.
 */
import { create, fromBinary, fromJson, toBinary, type DescMessage, type DescMethod, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import {
  AcquireRequestSchema,
  AcquireResponseSchema,
  ReleaseRequestSchema,
  WaitRequestSchema,
  WaitResponseSchema,
  type WaitResponse,
} from "../../../src/gen/baton/lock/v1/lock_pb.js";
import { LockService } from "../../../src/gen/baton/lock/v1/lock_service_pb.js";
import { SessionRequestSchema, SessionResponseSchema } from "../../../src/gen/baton/lock/v1/session_pb.js";
import { RendezvousService } from "../../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { ElectionService } from "../../../src/gen/baton/lock/v1/election_pb.js";

export { LockService, RendezvousService };

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
  [`${LockService.typeName}/ForceRelease`]: { name: "fuzz/a", reason: "fuzz" },
  [`${ElectionService.typeName}/Campaign`]: { name: "fuzz/e", owner: "fuzzer", value: "v", ttlMs: "500", waitMs: "200" },
  [`${ElectionService.typeName}/Proclaim`]: { name: "fuzz/e", token: "0123456789abcdef0123456789abcdef", value: "w" },
  [`${ElectionService.typeName}/Leader`]: { name: "fuzz/e" },
  [`${ElectionService.typeName}/Observe`]: { name: "fuzz/e" },
  [`${ElectionService.typeName}/Resign`]: { name: "fuzz/e", token: "0123456789abcdef0123456789abcdef" },
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
export const RPCS: Rpc[] = [LockService, RendezvousService, ElectionService].flatMap((service) =>
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

/** What the suite needs of a granted lease. */
export interface LeaseFacts {
  fencing: bigint;
  token: string;
  /** Epoch ms on the server's clock. */
  expiresAt: number;
}

/** A Wait or Session answer as the suite reads it. */
export type LockEvent = { kind: "queued" } | { kind: "granted"; lease: LeaseFacts } | { kind: "other" };

function leaseFacts(l: { fencing: bigint; token: string; expiresAt?: { seconds: bigint; nanos: number } }): LeaseFacts {
  const t = l.expiresAt;
  return { fencing: l.fencing, token: l.token, expiresAt: t === undefined ? 0 : Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) };
}

function waitEvent(e: WaitResponse): LockEvent {
  if (e.event.case === "queued") return { kind: "queued" };
  if (e.event.case === "granted") return { kind: "granted", lease: leaseFacts(e.event.value) };
  return { kind: "other" };
}

/** A Wait request for the generated client; waitMs unset waits as long as the call lives. */
export function waitInit(r: { name: string; owner: string; ttlMs: number; waitMs?: number; hold: boolean }): MessageInitShape<typeof WaitRequestSchema> {
  return { name: r.name, owner: r.owner, ttlMs: BigInt(r.ttlMs), waitMs: r.waitMs === undefined ? undefined : BigInt(r.waitMs), hold: r.hold };
}

/** Requests as Connect JSON (64-bit numbers as strings; an unset wait is left out). */
export const json = {
  acquire: (r: { name: string; owner: string; ttlMs: number; waitMs?: number }): AcquireJson => ({
    name: r.name,
    owner: r.owner,
    ttlMs: String(r.ttlMs),
    ...(r.waitMs === undefined ? {} : { waitMs: String(r.waitMs) }),
  }),
  wait: (r: { name: string; owner: string; ttlMs: number; waitMs?: number; hold?: boolean }) => ({ ...json.acquire(r), hold: r.hold ?? false }),
  /** Whether a Connect JSON Wait message is a grant. */
  isGrant: (message: unknown): boolean => typeof message === "object" && message !== null && "granted" in message,
};

/** Requests and answers in protobuf binary (gRPC, binary Connect, raw HTTP/2). */
export const binary = {
  acquireRequest: (r: { name: string; owner: string; ttlMs: bigint; waitMs: bigint }): Uint8Array =>
    toBinary(AcquireRequestSchema, { $typeName: AcquireRequestSchema.typeName, ...r, limit: undefined, shared: false, value: "" }),
  /** The lease of an Acquire answer. */
  acquireLease: (bytes: Uint8Array): LeaseFacts | undefined => {
    const lease = fromBinary(AcquireResponseSchema, bytes).lease;
    return lease === undefined ? undefined : leaseFacts(lease);
  },
  releaseRequest: (r: { name: string; token: string }): Uint8Array => toBinary(ReleaseRequestSchema, { $typeName: ReleaseRequestSchema.typeName, ...r }),
  waitRequest: (r: { name: string; owner: string; ttlMs: number; waitMs?: number; hold: boolean }): Uint8Array =>
    toBinary(WaitRequestSchema, create(WaitRequestSchema, waitInit(r))),
  waitEvent: (bytes: Uint8Array): LockEvent => waitEvent(fromBinary(WaitResponseSchema, bytes)),
  /** A Session acquire; waitMs unset waits as long as the session lives. */
  sessionAcquire: (id: bigint, r: { name: string; owner: string; ttlMs: number; waitMs?: number }): Uint8Array =>
    toBinary(SessionRequestSchema, fromJson(SessionRequestSchema, { id: String(id), acquire: { ...json.acquire(r) } })),
  sessionPing: (id: bigint): Uint8Array => toBinary(SessionRequestSchema, fromJson(SessionRequestSchema, { id: String(id), ping: {} })),
  sessionEvent: (bytes: Uint8Array): LockEvent => {
    const r = fromBinary(SessionResponseSchema, bytes).result;
    if (r.case === "queued") return { kind: "queued" };
    if (r.case === "acquired") return { kind: "granted", lease: leaseFacts(r.value) };
    return { kind: "other" };
  },
};

/** Reads one message of a generated client's Wait stream. */
export { waitEvent };
