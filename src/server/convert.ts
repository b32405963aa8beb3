import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  HolderSchema,
  LeaseSchema,
  LockEventKind,
  LockSchema,
  WaiterSchema,
  WaitResponseSchema,
  type WaitResponse,
  type WaitRequest,
  type AcquireRequest,
  type Holder,
  type Lease,
  type Lock,
} from "../gen/baton/lock/v1/lock_pb.js";
import type { LeaseRecord, LockEventKind as StoreEventKind, LockSnapshot } from "../store/types.js";
import type { AcquireParams, WaitEvent } from "../engine/lock-engine.js";

/** A lease for its holder: with its token. */
export function leaseToProto(lease: LeaseRecord): Lease {
  return create(LeaseSchema, {
    name: lease.name,
    owner: lease.owner,
    token: lease.token,
    fencing: lease.fencing,
    acquiredAt: timestampFromMs(lease.acquiredAtMs),
    expiresAt: lease.expiresAtMs === 0 ? undefined : timestampFromMs(lease.expiresAtMs),
    ttlMs: BigInt(lease.ttlMs),
    value: lease.value,
    permits: lease.permits,
    shared: lease.shared,
  });
}

/** A lease for everyone else: without its token. */
export function holderToProto(lease: LeaseRecord): Holder {
  return create(HolderSchema, {
    owner: lease.owner,
    fencing: lease.fencing,
    acquiredAt: timestampFromMs(lease.acquiredAtMs),
    expiresAt: lease.expiresAtMs === 0 ? undefined : timestampFromMs(lease.expiresAtMs),
    value: lease.value,
    permits: lease.permits,
    shared: lease.shared,
  });
}

/** A lock's state as the API shows it: no tokens, waiters by position. */
export function lockToProto(lock: LockSnapshot): Lock {
  return create(LockSchema, {
    name: lock.name,
    limit: lock.limit,
    holders: lock.holders.map(holderToProto),
    waiters: lock.waiters.map((w, i) =>
      create(WaiterSchema, { owner: w.owner, position: i + 1, queuedAt: timestampFromMs(w.queuedAtMs), permits: w.permits, shared: w.shared }),
    ),
    reserved: lock.reserved,
    lastFencing: lock.lastFencing,
  });
}

const KINDS: Record<StoreEventKind | "snapshot", LockEventKind> = {
  snapshot: LockEventKind.SNAPSHOT,
  granted: LockEventKind.GRANTED,
  released: LockEventKind.RELEASED,
  expired: LockEventKind.EXPIRED,
  refreshed: LockEventKind.REFRESHED,
  queued: LockEventKind.QUEUED,
  dequeued: LockEventKind.DEQUEUED,
  reserved: LockEventKind.RESERVED,
  proclaimed: LockEventKind.PROCLAIMED,
};

/** The API's name for a kind of change. */
export function eventKindToProto(kind: StoreEventKind | "snapshot"): LockEventKind {
  return KINDS[kind];
}

/** One event of a Wait stream as its response message. */
export function waitEventToProto(event: WaitEvent): WaitResponse {
  switch (event.type) {
    case "queued":
      return create(WaitResponseSchema, {
        event: { case: "queued", value: { position: event.position, queueLength: event.queueLength, holders: event.holders.map(holderToProto) } },
      });
    case "granted":
      return create(WaitResponseSchema, { event: { case: "granted", value: leaseToProto(event.lease) } });
    case "lost":
      return create(WaitResponseSchema, { event: { case: "lost", value: { reason: event.reason } } });
    case "heartbeat":
      return create(WaitResponseSchema, { event: { case: "heartbeat", value: { elapsedMs: BigInt(event.elapsedMs) } } });
  }
}

/** A Wait request as the engine's parameters (validation happens in the engine). */
export function waitParams(req: WaitRequest): AcquireParams {
  return acquireParams(req);
}

/** An Acquire or Wait request (unary, stream or session) as the engine's parameters. */
export function acquireParams(req: AcquireRequest | WaitRequest, defaultOwner = ""): AcquireParams {
  return {
    name: req.name,
    owner: req.owner === "" ? defaultOwner : req.owner,
    ttlMs: optionalMs(req.ttlMs),
    limit: req.limit,
    waitUpToMs: optionalMs(req.waitMs),
    permits: req.permits,
    shared: req.shared,
    value: req.value,
  };
}

/** An optional int64 duration as a number; out-of-range values stay unsafe and fail validation. */
export function optionalMs(value: bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
