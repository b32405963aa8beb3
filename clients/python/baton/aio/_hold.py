"""`async with client.lock(name) as lease`: hold a lock for a block, cancelled if the lease is lost."""

from __future__ import annotations

import asyncio
import sys
from types import TracebackType
from typing import Awaitable, Callable, Optional, Type

from ..exceptions import BatonError, LeaseLost, NotHeld
from ..lease import Lease


class LockContext:
    """Acquires on entry, releases on exit; cancels the block's task if the lease is lost.

    The session keeps the lease alive while the block runs (the server does, not a timer here).
    When the lease is lost the block's task is cancelled; the `async with` then raises `LeaseLost`
    instead of the cancellation. A block that ends normally after a loss it did not notice also
    raises `LeaseLost`; an exception raised by the block itself wins over it.
    """

    def __init__(self, acquire: Callable[[], Awaitable[Lease]], release: Callable[[Lease], Awaitable[int]]) -> None:
        self._acquire = acquire
        self._release = release
        self._lease: Optional[Lease] = None
        self._task: Optional["asyncio.Task[object]"] = None
        self._inside = False
        self._cancelled = False

    async def __aenter__(self) -> Lease:
        lease = await self._acquire()
        self._lease = lease
        self._task = asyncio.current_task()
        self._inside = True
        self._cancelled = False
        loop = asyncio.get_running_loop()

        def on_lost(_: Lease) -> None:
            # Runs in the session's reader: the block's task is suspended; cancel it on the next turn.
            loop.call_soon(self._cancel_block)

        lease.add_lost_callback(on_lost)
        return lease

    def _cancel_block(self) -> None:
        if self._inside and not self._cancelled and self._task is not None:
            self._cancelled = True
            self._task.cancel()

    async def __aexit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> bool:
        self._inside = False
        lease = self._lease
        assert lease is not None and self._task is not None
        still_cancelled = False
        if self._cancelled and sys.version_info >= (3, 11):
            # Other cancellations of the task (not ours) must still end it.
            still_cancelled = getattr(self._task, "uncancel")() > 0
        if not lease.lost:
            try:
                await self._release(lease)
            except NotHeld:
                pass  # lost in the meantime: reported below
            except BatonError:
                if exc_type is None:
                    raise
        ours = self._cancelled and exc_type is asyncio.CancelledError and not still_cancelled
        if lease.lost and (exc_type is None or ours):
            raise LeaseLost(f"the lease of {lease.name!r} was lost while the block ran: {lease.lost_reason}", lease) from None
        return False
