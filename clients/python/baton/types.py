"""The values the client hands back: locks, holders, signals, barrier trips, probe results.

Times are timezone-aware `datetime`s on the server's clock; durations are seconds (`float`);
fencing tokens are `int` (unsigned 64-bit on the wire, compare them exactly).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import List, Optional


@dataclass(frozen=True)
class Holder:
    """A lease as everyone may see it: who holds a permit, without the lease's token."""

    owner: str
    fencing: int
    acquired_at: datetime
    #: When the lease expires unless kept alive; None for a lease that never expires.
    expires_at: Optional[datetime]
    #: What the holder published (an election leader's value).
    value: str = ""
    #: Permits held: 1 for a mutex holder, k for a weighted acquire, 0 when shared.
    permits: int = 1
    #: True for a shared (reader) holder.
    shared: bool = False


@dataclass(frozen=True)
class Waiter:
    """One entry of a lock's FIFO queue."""

    owner: str
    #: 1 is the head of the queue: the next to be granted.
    position: int
    queued_at: datetime
    #: Permits it asks for; 0 when it asks in shared mode.
    permits: int = 1
    #: True when it asks in shared (reader) mode.
    shared: bool = False


@dataclass(frozen=True)
class LockState:
    """The state of one lock, as `describe`, `list` and `watch` show it."""

    name: str
    #: Permits: 1 for a mutex, N for a semaphore.
    limit: int
    holders: List[Holder] = field(default_factory=list)
    waiters: List[Waiter] = field(default_factory=list)
    #: True for a lock made by `reserve`, kept while idle.
    reserved: bool = False
    #: The last fencing token granted (0 when never granted).
    last_fencing: int = 0


@dataclass(frozen=True)
class QueuePosition:
    """Where a waiting acquire stands in its lock's queue (the `on_queued` callback's argument)."""

    #: 1 is the head of the queue.
    position: int
    queue_length: int
    #: Whom it waits for.
    holders: List[Holder]


class LockEventKind(str, enum.Enum):
    """What changed in a lock (`LockEvent.kind`)."""

    SNAPSHOT = "snapshot"
    GRANTED = "granted"
    RELEASED = "released"
    EXPIRED = "expired"
    REFRESHED = "refreshed"
    QUEUED = "queued"
    DEQUEUED = "dequeued"
    RESERVED = "reserved"
    PROCLAIMED = "proclaimed"


@dataclass(frozen=True)
class Leader:
    """An election's leader as everyone sees it (`leader`, `observe`)."""

    name: str
    owner: str
    value: str
    #: The leader's fencing token: strictly increasing with every new leader.
    term: int
    elected_at: datetime
    #: When its lease expires unless kept alive; None when it never expires.
    expires_at: Optional[datetime]


@dataclass(frozen=True)
class LockEvent:
    """One change of one lock, from `watch`."""

    kind: LockEventKind
    #: The lock's state after the change.
    lock: LockState


@dataclass(frozen=True)
class Signal:
    """The value of a rendezvous key that is set."""

    key: str
    payload: str
    owner: str
    signaled_at: datetime
    #: When the key clears itself; None when it stays set until `reset`.
    expires_at: Optional[datetime]


@dataclass(frozen=True)
class Signaled:
    """The result of `signal`: the key's new value and how many waiters it woke."""

    signal: Signal
    woken: int


class KeyChangeKind(str, enum.Enum):
    """What happened to a key (`KeyChange.kind`)."""

    CURRENT = "current"
    SIGNALED = "signaled"
    RESET = "reset"
    EXPIRED = "expired"


@dataclass(frozen=True)
class KeyChange:
    """One change of one rendezvous key, from `subscribe`."""

    kind: KeyChangeKind
    key: str
    #: The new value (CURRENT, SIGNALED) or the one that was cleared (RESET, EXPIRED).
    signal: Optional[Signal]
    #: For SIGNALED: how many waiters the signal woke.
    woken: int = 0


@dataclass(frozen=True)
class BarrierTrip:
    """What `arrive` returns once everyone arrived."""

    #: The generation that tripped: 1 for a barrier's first trip.
    generation: int
    #: This participant's place in the arrival order, 1 to `parties`.
    index: int
    parties: int


@dataclass(frozen=True)
class ProbeReady:
    """What `wait_ready` returns once its probe succeeded."""

    attempts: int
    #: Seconds since the probe started.
    elapsed: float
    #: What answered, e.g. "connected to 127.0.0.1:5432".
    detail: str
