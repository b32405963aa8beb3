import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  LockEventKind,
  type Holder as HolderMessage,
  type Lease as LeaseMessage,
  type Lock as LockMessage,
  type WaitResponse,
} from "../gen/baton/lock/v1/lock_pb.js";
import type { Leader as LeaderMessage } from "../gen/baton/lock/v1/election_pb.js";
import type { Holder, Leader, Lease, LockChangeKind, LockInfo, WaitEvent } from "./types.js";

/** A missing timestamp would be a server bug; the epoch makes it visible instead of crashing. */
function date(ts: Timestamp | undefined): Date {
  return ts === undefined ? new Date(0) : timestampDate(ts);
}

/** A lease from the wire; a reply without one is a protocol error. */
export function leaseFromProto(lease: LeaseMessage | undefined): Lease {
  if (lease === undefined) throw new Error("the server answered without a lease");
  return {
    name: lease.name,
    owner: lease.owner,
    token: lease.token,
    fencing: lease.fencing,
    acquiredAt: date(lease.acquiredAt),
    expiresAt: date(lease.expiresAt),
    ttlMs: Number(lease.ttlMs),
    value: lease.value,
    permits: lease.permits,
    shared: lease.shared,
  };
}

/** A holder from the wire. */
export function holderFromProto(holder: HolderMessage): Holder {
  return {
    owner: holder.owner,
    fencing: holder.fencing,
    acquiredAt: date(holder.acquiredAt),
    expiresAt: date(holder.expiresAt),
    value: holder.value,
    permits: holder.permits,
    shared: holder.shared,
  };
}

/** A lock's state from the wire. */
export function lockFromProto(lock: LockMessage | undefined): LockInfo {
  if (lock === undefined) throw new Error("the server answered without the lock's state");
  return {
    name: lock.name,
    limit: lock.limit,
    holders: lock.holders.map(holderFromProto),
    waiters: lock.waiters.map((w) => ({ owner: w.owner, position: w.position, queuedAt: date(w.queuedAt), permits: w.permits, shared: w.shared })),
    reserved: lock.reserved,
    lastFencing: lock.lastFencing,
  };
}

/** One Wait event from the wire; undefined for an event this client does not know. */
export function waitEventFromProto(message: WaitResponse): WaitEvent | undefined {
  const { event } = message;
  switch (event.case) {
    case "queued":
      return {
        type: "queued",
        position: event.value.position,
        queueLength: event.value.queueLength,
        holders: event.value.holders.map(holderFromProto),
      };
    case "granted":
      return { type: "granted", lease: leaseFromProto(event.value) };
    case "lost":
      return { type: "lost", reason: event.value.reason };
    default:
      return undefined;
  }
}

const KINDS = new Map<LockEventKind, LockChangeKind>([
  [LockEventKind.SNAPSHOT, "snapshot"],
  [LockEventKind.GRANTED, "granted"],
  [LockEventKind.RELEASED, "released"],
  [LockEventKind.EXPIRED, "expired"],
  [LockEventKind.REFRESHED, "refreshed"],
  [LockEventKind.QUEUED, "queued"],
  [LockEventKind.DEQUEUED, "dequeued"],
  [LockEventKind.RESERVED, "reserved"],
  [LockEventKind.PROCLAIMED, "proclaimed"],
]);

/** The client's name for a kind of change; undefined for a kind this client does not know. */
export function changeKindFromProto(kind: LockEventKind): LockChangeKind | undefined {
  return KINDS.get(kind);
}

/** A leader from the wire; null for none. */
export function leaderFromProto(leader: LeaderMessage | undefined): Leader | null {
  if (leader === undefined) return null;
  return { name: leader.name, owner: leader.owner, value: leader.value, term: leader.term, electedAt: date(leader.electedAt), expiresAt: date(leader.expiresAt) };
}
