"""The client's session: the leases it holds, across Session streams that break and reconnect.

Lock operations travel on one Session stream, opened on first use. When the stream breaks, calls in
flight fail with `Unavailable`; the leases it kept are refreshed on a new stream (a refresh on a
session makes the lease that session's). A lease whose refresh succeeds in time is kept, one the
server answers NOT_HELD is lost, and all are lost when no new stream answers before the old
stream's deadline. The client never refreshes leases on a timer: the server keeps them alive for
as long as the session lives (one keep-alive, not two).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Awaitable, Callable, Dict, List, Optional

from .. import _convert
from ..exceptions import BatonError, LeaseLost, NotHeld
from ..lease import Lease, LostCallback
from ..lock.v1 import lock_pb2, session_pb2
from ..lock.v1.lock_service_pb2_grpc import LockServiceStub
from ..types import QueuePosition
from ._stream import SessionStream

_log = logging.getLogger("baton")

#: Receives the queue positions of a waiting acquire.
OnQueued = Callable[[QueuePosition], None]

_CLOSE_TIMEOUT_S = 2.0


class Session:
    """Acquire, release and refresh on the client's Session stream, with reconnects."""

    def __init__(self, stub: LockServiceStub, *, owner: str, ttl_ms: Optional[int], channel_ready: Callable[[], Awaitable[None]]) -> None:
        self._stub = stub
        self._channel_ready = channel_ready
        self._owner = owner
        self._ttl_ms = ttl_ms
        self._ids = itertools.count(1)
        self._stream: Optional[SessionStream] = None
        self._leases: Dict[str, Lease] = {}
        self._recoveries: Dict[SessionStream, "asyncio.Task[None]"] = {}
        self._closed = False

    @property
    def leases(self) -> List[Lease]:
        """The leases this session holds now."""
        return list(self._leases.values())

    async def acquire(self, request: lock_pb2.AcquireRequest, on_queued: Optional[OnQueued], on_lost: Optional[LostCallback]) -> Lease:
        """Takes a permit as `request` says; the lease belongs to the session."""
        stream = self._current()
        request_id = next(self._ids)
        message = session_pb2.SessionRequest(id=request_id, acquire=request, report_positions=on_queued is not None)
        future = stream.request(message, None if on_queued is None else _queued_callback(on_queued))
        try:
            response = await future
        except asyncio.CancelledError:
            stream.abandon(request_id)
            raise
        lease = _convert.lease(response.acquired)
        if stream.expired_now():
            # Granted, but the answer came after the session's deadline (the process was paused):
            # the server may have released it already. Never hand it out as valid.
            stream.give_back(lease.name, lease.token)
            raise LeaseLost(f"the grant of {lease.name!r} arrived after the session's deadline; it was given back", lease)
        if on_lost is not None:
            lease.add_lost_callback(on_lost)
        self._move(lease, stream, request_id)
        return lease

    async def release(self, lease: Lease) -> int:
        """Gives a permit back; returns its fencing token."""
        stream = self._current()
        try:
            response = await stream.request(session_pb2.SessionRequest(id=next(self._ids), release=lock_pb2.ReleaseRequest(name=lease.name, token=lease.token)))
        except NotHeld as e:
            if self._leases.get(lease.token) is lease:
                self._lose(lease, e.message)
            raise
        if self._leases.get(lease.token) is lease:
            self._forget(lease)
            lease._mark_released()
        return int(response.released.fencing)

    async def refresh(self, lease: Lease, ttl_ms: Optional[int]) -> Lease:
        """Extends a lease (to `ttl_ms` from now, or its own TTL) and makes it this session's."""
        if lease.lost:
            raise LeaseLost(f"the lease of {lease.name!r} is lost: {lease.lost_reason}", lease)
        stream = self._current()
        request_id = next(self._ids)
        refresh = lock_pb2.RefreshRequest(name=lease.name, token=lease.token)
        if ttl_ms is not None:
            refresh.ttl_ms = ttl_ms
        try:
            response = await stream.request(session_pb2.SessionRequest(id=request_id, refresh=refresh))
        except NotHeld as e:
            if self._leases.get(lease.token) is lease:
                self._lose(lease, e.message)
            raise
        if lease.lost:
            stream.give_back(lease.name, lease.token)
            raise LeaseLost(f"the lease of {lease.name!r} was lost while it was being refreshed: {lease.lost_reason}", lease)
        _convert.update_lease(lease, response.refreshed)
        self._move(lease, stream, request_id)
        return lease

    async def close(self) -> None:
        """Half-closes the stream, so the server releases every lease at once; the leases are lost."""
        self._closed = True
        recoveries, self._recoveries = self._recoveries, {}
        for task in recoveries.values():
            task.cancel()
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.close(_CLOSE_TIMEOUT_S)
        for old in recoveries:
            await old.close(0)
        leases, self._leases = list(self._leases.values()), {}
        for lease in leases:
            lease._mark_lost("the client was closed: the server released the lease")

    # Streams.

    def _current(self) -> SessionStream:
        if self._closed:
            raise RuntimeError("the client is closed")
        stream = self._stream
        if stream is None or not stream.usable:
            stream = SessionStream(self._stub, owner=self._owner, ttl_ms=self._ttl_ms, ids=self._ids, on_lost=self._on_lost, on_end=self._on_end)
            self._stream = stream
        return stream

    def _on_lost(self, lease: Lease, reason: str) -> None:
        if self._leases.get(lease.token) is lease:
            del self._leases[lease.token]
        lease._mark_lost(reason)

    def _on_end(self, stream: SessionStream, error: BatonError, recover: bool) -> None:
        if self._stream is stream:
            self._stream = None
        if recover:
            self._start_recovery(stream)

    def _start_recovery(self, old: SessionStream) -> None:
        if self._closed or old in self._recoveries or not any(lease._keeper is old for lease in self._leases.values()):
            return
        task = asyncio.ensure_future(self._recover(old))
        self._recoveries[old] = task
        task.add_done_callback(lambda _: self._recoveries.pop(old, None))

    async def _recover(self, old: SessionStream) -> None:
        """Moves the leases of a broken stream to a new one, if a new one answers in time."""
        try:
            while not self._closed:
                leases = [lease for lease in self._leases.values() if lease._keeper is old and not lease.lost]
                remaining_s = old.alive_until - asyncio.get_running_loop().time()
                if not leases or remaining_s <= 0:
                    return  # the old stream's watchdog loses what is left at its deadline
                try:
                    await asyncio.wait_for(self._channel_ready(), remaining_s)
                    stream = self._current()
                    await asyncio.wait_for(asyncio.shield(stream.opened), max(0.0, old.alive_until - asyncio.get_running_loop().time()))
                except asyncio.TimeoutError:
                    return
                except BatonError:
                    await asyncio.sleep(0.05)
                    continue
                await asyncio.gather(*(self._take_over(stream, lease) for lease in leases))
                await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            pass

    async def _take_over(self, stream: SessionStream, lease: Lease) -> None:
        request_id = next(self._ids)
        refresh = lock_pb2.RefreshRequest(name=lease.name, token=lease.token)
        try:
            response = await stream.request(session_pb2.SessionRequest(id=request_id, refresh=refresh))
        except NotHeld as e:
            self._lose(lease, f"the lease was gone when the client reconnected: {e.message}")
            return
        except BatonError as e:  # the new stream broke too; tried again while time remains
            _log.debug("baton: refreshing %r after a reconnect failed: %s", lease.name, e)
            return
        if lease.lost:  # too late: its holder has been told
            stream.give_back(lease.name, lease.token)
            return
        _convert.update_lease(lease, response.refreshed)
        self._move(lease, stream, request_id)

    # Bookkeeping.

    def _move(self, lease: Lease, stream: SessionStream, request_id: int) -> None:
        keeper = lease._keeper
        if isinstance(keeper, SessionStream) and keeper is not stream:
            keeper.forget(lease)
        self._leases[lease.token] = lease
        stream.adopt(request_id, lease)
        if stream.broken:
            # The answer came just before the stream broke: take the lease over like the others.
            self._start_recovery(stream)

    def _forget(self, lease: Lease) -> None:
        self._leases.pop(lease.token, None)
        if isinstance(lease._keeper, SessionStream):
            lease._keeper.forget(lease)

    def _lose(self, lease: Lease, reason: str) -> None:
        self._forget(lease)
        lease._mark_lost(reason)


def _queued_callback(on_queued: OnQueued) -> Callable[[lock_pb2.QueuePosition], None]:
    def deliver(position: lock_pb2.QueuePosition) -> None:
        try:
            on_queued(_convert.queue_position(position))
        except Exception:  # a user's callback must not break the session
            _log.exception("baton: an on_queued callback raised")

    return deliver
