import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  HolderSchema,
  LeaseSchema,
  LockEventKind,
  LockInfoSchema,
  WaiterSchema,
  type Holder,
  type Lease,
  type LockInfo,
} from "../gen/baton/v1/lock_pb.js";
import type { LeaseRecord, LockEventKind as StoreEventKind, LockSnapshot } from "../store/types.js";

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
  });
}

/** A lease for everyone else: without its token. */
export function holderToProto(lease: LeaseRecord): Holder {
  return create(HolderSchema, {
    owner: lease.owner,
    fencing: lease.fencing,
    acquiredAt: timestampFromMs(lease.acquiredAtMs),
    expiresAt: lease.expiresAtMs === 0 ? undefined : timestampFromMs(lease.expiresAtMs),
  });
}

/** A lock's state as the API shows it: no tokens, waiters by position. */
export function lockToProto(lock: LockSnapshot): LockInfo {
  return create(LockInfoSchema, {
    name: lock.name,
    limit: lock.limit,
    holders: lock.holders.map(holderToProto),
    waiters: lock.waiters.map((w, i) =>
      create(WaiterSchema, { owner: w.owner, position: i + 1, queuedAt: timestampFromMs(w.queuedAtMs) }),
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
};

/** The API's name for a kind of change. */
export function eventKindToProto(kind: StoreEventKind | "snapshot"): LockEventKind {
  return KINDS[kind];
}
