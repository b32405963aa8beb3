"""A granted permit and the visibility of its loss."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Callable, List, Optional, Protocol

_log = logging.getLogger("baton")

#: Called once with the lease when it is lost.
LostCallback = Callable[["Lease"], None]

#: The reason a lease has once its session could not be confirmed alive in time.
SESSION_EXPIRED = "no answer from the server within the session's TTL: the server may have released the lease"


class Keeper(Protocol):
    """What keeps a lease alive: a session stream and the moment it may be presumed dead."""

    @property
    def alive_until(self) -> float:
        """The `time.monotonic()` until which the server keeps the session's leases at least."""


class Lease:
    """One granted permit of a lock (or semaphore), kept alive by the client's session.

    `token` is the secret that releases or refreshes it; `fencing` strictly increases with every
    grant of the lock: pass it to the resource you protect so it can refuse an older holder.
    Times are the server's clock; `ttl` is in seconds.

    A lease can be lost while you hold it: released through another client, expired, or its
    session could not be kept alive. `lost` says so (it also turns true by itself the moment the
    client can no longer be sure the server still keeps the session, before anyone else could be
    granted the permit), and the callbacks given as `on_lost` or to `add_lost_callback` run once.
    """

    def __init__(self, *, name: str, owner: str, token: str, fencing: int, acquired_at: datetime, expires_at: Optional[datetime], ttl: float, value: str = "", permits: int = 1, shared: bool = False) -> None:
        self.name = name
        self.owner = owner
        self.token = token
        self.fencing = fencing
        self.acquired_at = acquired_at
        self.expires_at = expires_at
        self.ttl = ttl
        #: What the holder published (`value=`, or a leader's latest `proclaim`).
        self.value = value
        #: Permits held: 1 for a mutex, k for `permits=k`, 0 when shared.
        self.permits = permits
        #: True for a lease taken with `shared=True`.
        self.shared = shared
        self._guard = threading.Lock()
        self._callbacks: List[LostCallback] = []
        self._lost_reason: Optional[str] = None
        self._released = False
        self._keeper: Optional[Keeper] = None

    @property
    def lost(self) -> bool:
        """True once the lease is lost (never for a lease you released)."""
        return self.lost_reason is not None

    @property
    def lost_reason(self) -> Optional[str]:
        """Why the lease was lost, or None while it is held (or after you released it)."""
        if self._lost_reason is not None:
            return self._lost_reason
        keeper = self._keeper
        if not self._released and keeper is not None and time.monotonic() >= keeper.alive_until:
            return SESSION_EXPIRED
        return None

    @property
    def released(self) -> bool:
        """True once this client released the lease."""
        return self._released

    def add_lost_callback(self, callback: LostCallback) -> None:
        """Calls `callback(lease)` once when the lease is lost; at once if it is lost already.

        Callbacks run on the client's event loop (the asyncio client's, or the sync client's I/O
        thread): keep them short and do not block. An exception in one is logged, not raised.
        """
        with self._guard:
            if self._lost_reason is None:
                self._callbacks.append(callback)
                return
        _run(callback, self)

    def __repr__(self) -> str:
        state = "lost" if self.lost else "released" if self._released else "held"
        return f"Lease(name={self.name!r}, owner={self.owner!r}, fencing={self.fencing}, {state})"

    # The client's side of the lease.

    def _mark_lost(self, reason: str) -> bool:
        """Marks the lease lost and runs its callbacks; False if it was lost or released already."""
        with self._guard:
            if self._lost_reason is not None or self._released:
                return False
            self._lost_reason = reason
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            _run(callback, self)
        return True

    def _mark_released(self) -> None:
        with self._guard:
            self._released = True
            self._callbacks = []


def _run(callback: LostCallback, lease: Lease) -> None:
    try:
        callback(lease)
    except Exception:  # a user's callback must not break the session that reports the loss
        _log.exception("baton: an on_lost callback for %r raised", lease.name)
