"""Conversions between the API's messages and the client's types: seconds ↔ milliseconds, timestamps."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Optional

from .lease import Lease
from .lock.v1 import lock_pb2
from .rendezvous.v1 import rendezvous_pb2
from .types import (
    BarrierTrip,
    Holder,
    KeyChange,
    KeyChangeKind,
    Leader,
    LockEvent,
    LockEventKind,
    LockState,
    ProbeReady,
    QueuePosition,
    Signal,
    Waiter,
)


def to_ms(seconds: Optional[float], what: str) -> Optional[int]:
    """Seconds (None = unset) as whole milliseconds for the API, rounded up so a wait is never cut short."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        raise TypeError(f"{what} must be a number of seconds or None (got {seconds!r})")
    if seconds < 0:
        raise ValueError(f"{what} must not be negative (got {seconds!r})")
    if math.isinf(seconds):
        return None
    return int(math.ceil(seconds * 1000))


def from_ms(ms: int) -> float:
    """Milliseconds from the API as seconds."""
    return ms / 1000.0


#: The zero time, for a timestamp the server left out.
EPOCH = datetime.fromtimestamp(0, tz=timezone.utc)


def timestamp(message: Any, present: bool = True) -> Optional[datetime]:
    """A `google.protobuf.Timestamp` as an aware UTC datetime (None when the field is absent)."""
    if not present:
        return None
    return datetime.fromtimestamp(message.seconds + message.nanos / 1e9, tz=timezone.utc)


def lease(message: lock_pb2.Lease) -> Lease:
    """A granted Lease message as the client's Lease."""
    return Lease(
        name=message.name,
        owner=message.owner,
        token=message.token,
        fencing=message.fencing,
        acquired_at=timestamp(message.acquired_at) or EPOCH,
        expires_at=timestamp(message.expires_at, message.HasField("expires_at")),
        ttl=from_ms(message.ttl_ms),
        value=message.value,
        permits=message.permits,
        shared=message.shared,
    )


def update_lease(target: Lease, message: lock_pb2.Lease) -> None:
    """Takes a refreshed lease's expiry and TTL into the client's Lease."""
    target.expires_at = timestamp(message.expires_at, message.HasField("expires_at"))
    target.ttl = from_ms(message.ttl_ms)


def holder(h: lock_pb2.Holder) -> Holder:
    """A Holder message as a Holder."""
    return Holder(
        owner=h.owner,
        fencing=h.fencing,
        acquired_at=_required(timestamp(h.acquired_at)),
        expires_at=timestamp(h.expires_at, h.HasField("expires_at")),
        value=h.value,
        permits=h.permits,
        shared=h.shared,
    )


def leader(message: Any, present: bool = True) -> Optional[Leader]:
    """A Leader message as a Leader (None when the election has none)."""
    if not present:
        return None
    return Leader(
        name=message.name,
        owner=message.owner,
        value=message.value,
        term=message.term,
        elected_at=_required(timestamp(message.elected_at)),
        expires_at=timestamp(message.expires_at, message.HasField("expires_at")),
    )


def lock_state(lock: lock_pb2.Lock) -> LockState:
    """A Lock message as a LockState."""
    return LockState(
        name=lock.name,
        limit=lock.limit,
        holders=[holder(h) for h in lock.holders],
        waiters=[Waiter(owner=w.owner, position=w.position, queued_at=_required(timestamp(w.queued_at)), permits=w.permits, shared=w.shared) for w in lock.waiters],
        reserved=lock.reserved,
        last_fencing=lock.last_fencing,
    )


def queue_position(q: lock_pb2.QueuePosition) -> QueuePosition:
    """A QueuePosition message as a QueuePosition."""
    return QueuePosition(position=q.position, queue_length=q.queue_length, holders=[holder(h) for h in q.holders])


_LOCK_EVENT_KINDS = {
    lock_pb2.LOCK_EVENT_KIND_SNAPSHOT: LockEventKind.SNAPSHOT,
    lock_pb2.LOCK_EVENT_KIND_GRANTED: LockEventKind.GRANTED,
    lock_pb2.LOCK_EVENT_KIND_RELEASED: LockEventKind.RELEASED,
    lock_pb2.LOCK_EVENT_KIND_EXPIRED: LockEventKind.EXPIRED,
    lock_pb2.LOCK_EVENT_KIND_REFRESHED: LockEventKind.REFRESHED,
    lock_pb2.LOCK_EVENT_KIND_QUEUED: LockEventKind.QUEUED,
    lock_pb2.LOCK_EVENT_KIND_DEQUEUED: LockEventKind.DEQUEUED,
    lock_pb2.LOCK_EVENT_KIND_RESERVED: LockEventKind.RESERVED,
    lock_pb2.LOCK_EVENT_KIND_PROCLAIMED: LockEventKind.PROCLAIMED,
}


def lock_event(event: lock_pb2.WatchResponse) -> Optional[LockEvent]:
    """A WatchResponse as a LockEvent; None for a kind this client does not know (a newer server)."""
    kind = _LOCK_EVENT_KINDS.get(event.kind)
    return None if kind is None else LockEvent(kind=kind, lock=lock_state(event.lock))


def signal(s: rendezvous_pb2.Signal) -> Signal:
    """A Signal message as a Signal."""
    return Signal(
        key=s.key,
        payload=s.payload,
        owner=s.owner,
        signaled_at=_required(timestamp(s.signaled_at)),
        expires_at=timestamp(s.expires_at, s.HasField("expires_at")),
    )


_KEY_CHANGE_KINDS = {
    rendezvous_pb2.KEY_CHANGE_KIND_CURRENT: KeyChangeKind.CURRENT,
    rendezvous_pb2.KEY_CHANGE_KIND_SIGNALED: KeyChangeKind.SIGNALED,
    rendezvous_pb2.KEY_CHANGE_KIND_RESET: KeyChangeKind.RESET,
    rendezvous_pb2.KEY_CHANGE_KIND_EXPIRED: KeyChangeKind.EXPIRED,
}


def key_change(change: rendezvous_pb2.KeyChange) -> Optional[KeyChange]:
    """A KeyChange message as a KeyChange; None for a kind this client does not know."""
    kind = _KEY_CHANGE_KINDS.get(change.kind)
    if kind is None:
        return None
    value = signal(change.signal) if change.HasField("signal") else None
    return KeyChange(kind=kind, key=change.key, signal=value, woken=change.woken)


def barrier_trip(t: rendezvous_pb2.BarrierTripped) -> BarrierTrip:
    """A BarrierTripped message as a BarrierTrip."""
    return BarrierTrip(generation=t.generation, index=t.index, parties=t.parties)


def probe_ready(r: rendezvous_pb2.ProbeReady) -> ProbeReady:
    """A ProbeReady message as a ProbeReady."""
    return ProbeReady(attempts=r.attempts, elapsed=from_ms(r.elapsed_ms), detail=r.detail)


def _required(value: Optional[datetime]) -> datetime:
    assert value is not None
    return value
