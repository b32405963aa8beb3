"""`with client.lock(name) as lease`: hold a lock for a block, and report its loss on exit."""

from __future__ import annotations

from types import TracebackType
from typing import Callable, Optional, Type

from .exceptions import BatonError, LeaseLost, NotHeld
from .lease import Lease


class LockContext:
    """Acquires on entry and releases on exit.

    The session keeps the lease alive while the block runs. A thread cannot be interrupted, so a
    loss shows as `lease.lost` and the `on_lost` callback while the block runs, and as `LeaseLost`
    raised on exit (unless the block raised an exception of its own).
    """

    def __init__(self, acquire: Callable[[], Lease], release: Callable[[Lease], int]) -> None:
        self._acquire = acquire
        self._release = release
        self._lease: Optional[Lease] = None

    def __enter__(self) -> Lease:
        self._lease = self._acquire()
        return self._lease

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        lease = self._lease
        assert lease is not None
        if not lease.lost:
            try:
                self._release(lease)
            except NotHeld:
                pass  # lost in the meantime: reported below
            except BatonError:
                if exc_type is None:
                    raise
        if lease.lost and exc_type is None:
            raise LeaseLost(f"the lease of {lease.name!r} was lost while the block ran: {lease.lost_reason}", lease)
