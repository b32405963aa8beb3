"""The asyncio client (`baton.aio.Client`): locks and semaphores on a Session stream, plus rendezvous."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import AsyncIterator, List, Optional, Type

import grpc

from .. import _convert
from .._channel import PemSource, Target
from .._owner import default_owner
from ..exceptions import LockHeld
from ..lease import Lease, LostCallback
from ..lock.v1 import lock_pb2
from ..lock.v1.election_pb2_grpc import ElectionServiceStub
from ..lock.v1.lock_service_pb2_grpc import LockServiceStub
from ..rendezvous.v1.rendezvous_pb2_grpc import RendezvousServiceStub
from ..types import LockEvent, LockState
from ._calls import server_stream, unary
from ._hold import LockContext
from ._elections import ElectionCalls
from ._rendezvous import RendezvousCalls
from ._session import OnQueued, Session


class Client(RendezvousCalls, ElectionCalls):
    """A Baton client for asyncio, on one gRPC channel (h2c for http://, TLS for https://).

    `owner` names this client in `describe` (default `user@host:pid`); `session_ttl` (seconds,
    default the server's 10 s) is how long the server keeps the session's leases after it last
    heard from the client: a client that dies or pauses longer loses them. `ca` (PEM data or a
    file) verifies an https:// server instead of the system roots; `cert` and `key` give a client
    certificate for mutual TLS. Durations are seconds. Use it from one event loop; close it with
    `await client.close()` or `async with`.
    """

    def __init__(self, url: str, *, owner: Optional[str] = None, session_ttl: Optional[float] = None, ca: Optional[PemSource] = None, cert: Optional[PemSource] = None, key: Optional[PemSource] = None) -> None:
        self.url = url
        self.owner = owner or default_owner()
        self._target = Target(url, ca=ca, cert=cert, key=key)
        self._session_ttl_ms = _convert.to_ms(session_ttl, "session_ttl")
        if self._session_ttl_ms == 0:
            raise ValueError("session_ttl must be positive")
        self._channel: Optional[grpc.aio.Channel] = None
        self._locks: Optional[LockServiceStub] = None
        self._rendezvous: Optional[RendezvousServiceStub] = None
        self._elections: Optional[ElectionServiceStub] = None
        self._session: Optional[Session] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._closed = False

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        await self.close()

    async def close(self) -> None:
        """Ends the session (the server releases its leases at once) and closes the channel."""
        if self._closed:
            return
        self._closed = True
        if self._session is not None:
            await self._session.close()
        if self._channel is not None:
            await self._channel.close()

    # Locks.

    async def acquire(self, name: str, *, ttl: Optional[float] = None, timeout: Optional[float] = None, limit: Optional[int] = None, owner: Optional[str] = None, on_lost: Optional[LostCallback] = None, on_queued: Optional[OnQueued] = None, shared: bool = False, permits: Optional[int] = None, value: str = "") -> Lease:
        """Takes a permit of `name`, waiting in its FIFO queue, and returns the lease.

        `timeout` (seconds) bounds the wait (`WaitTimeout` when it runs out; 0 does not wait:
        `LockHeld`); None waits until granted. Cancelling the task leaves the queue. `limit` makes
        the lock a semaphore of that many permits; `ttl` is the lease's TTL (the session keeps it
        alive). `on_lost(lease)` runs if the lease is lost; `on_queued(position)` hears the queue
        position while it waits. `shared=True` takes it in shared (reader) mode, beside other
        readers and never beside a writer; `permits=k` takes k of the semaphore's permits at once
        (at most its limit: `InvalidArgument`); `value` is published with the lease. Release the
        lease with `release`, or use `lock` instead.
        """
        request = self._acquire_request(name, ttl, limit, owner, _convert.to_ms(timeout, "timeout"), shared, permits, value)
        return await self._lock_session().acquire(request, on_queued, on_lost)

    async def try_lock(self, name: str, *, ttl: Optional[float] = None, limit: Optional[int] = None, owner: Optional[str] = None, on_lost: Optional[LostCallback] = None, shared: bool = False, permits: Optional[int] = None, value: str = "") -> Optional[Lease]:
        """Takes a permit of `name` if one is free now; None when the lock is held."""
        try:
            return await self._lock_session().acquire(self._acquire_request(name, ttl, limit, owner, 0, shared, permits, value), None, on_lost)
        except LockHeld:
            return None

    def lock(self, name: str, *, ttl: Optional[float] = None, timeout: Optional[float] = None, limit: Optional[int] = None, owner: Optional[str] = None, on_lost: Optional[LostCallback] = None, on_queued: Optional[OnQueued] = None, shared: bool = False, permits: Optional[int] = None, value: str = "") -> LockContext:
        """`async with client.lock(name) as lease:` holds the lock while the block runs.

        Acquires as `acquire` does and releases on exit. If the lease is lost while the block
        runs, the block's task is cancelled and `LeaseLost` is raised from the `async with`.
        """

        async def take() -> Lease:
            return await self.acquire(name, ttl=ttl, timeout=timeout, limit=limit, owner=owner, on_lost=on_lost, on_queued=on_queued, shared=shared, permits=permits, value=value)

        return LockContext(take, self.release)

    async def campaign(self, name: str, value: str = "", *, ttl: Optional[float] = None, timeout: Optional[float] = None, owner: Optional[str] = None, on_lost: Optional[LostCallback] = None) -> Lease:
        """Waits in the queue of candidates of the election `name` and returns once leading.

        An election is the lock `name` with limit 1: the holder leads, publishing `value`, and the
        lease's `fencing` is its term. Leadership belongs to the client's session: it ends with
        `resign`, when the client closes, or when the server stops hearing from it, and the next
        candidate leads at once. `timeout` bounds the wait as in `acquire`.
        """
        return await self.acquire(name, ttl=ttl, timeout=timeout, limit=1, owner=owner, on_lost=on_lost, value=value)

    async def resign(self, lease: Lease) -> int:
        """Gives up leadership (the next candidate leads at once); returns the term that ended."""
        return await self.release(lease)

    async def release(self, lease: Lease) -> int:
        """Gives the permit back and returns its fencing token; `NotHeld` if it was lost already."""
        return await self._lock_session().release(lease)

    async def refresh(self, lease: Lease, ttl: Optional[float] = None) -> Lease:
        """Extends the lease to `ttl` seconds from now (or its own TTL); `NotHeld` if it is gone.

        Rarely needed: the session keeps its leases alive. Returns the same lease, updated.
        """
        return await self._lock_session().refresh(lease, _convert.to_ms(ttl, "ttl"))

    async def describe(self, name: str) -> LockState:
        """The state of one lock: limit, holders (without tokens), waiters in queue order."""
        response = await unary(self._lock_stub().Describe(lock_pb2.DescribeRequest(name=name)))
        return _convert.lock_state(response.lock)

    async def list(self, prefix: str = "") -> List[LockState]:
        """Every lock whose name starts with `prefix` that is held, waited for or reserved, by name."""
        locks: List[LockState] = []
        token = ""
        while True:
            response = await unary(self._lock_stub().List(lock_pb2.ListRequest(prefix=prefix, page_size=1000, page_token=token)))
            locks.extend(_convert.lock_state(lock) for lock in response.locks)
            token = response.next_page_token
            if not token:
                return locks

    async def reserve(self, prefix: str = "", *, limit: Optional[int] = None) -> str:
        """Creates a lock under a random, unguessable name starting with `prefix`; returns the name."""
        request = lock_pb2.ReserveRequest(prefix=prefix)
        if limit is not None:
            request.limit = limit
        response = await unary(self._lock_stub().Reserve(request))
        return str(response.name)

    async def watch(self, name: Optional[str] = None, *, prefix: Optional[str] = None, initial: bool = False) -> AsyncIterator[LockEvent]:
        """Yields every change of the lock `name`, or of every lock starting with `prefix` (all when neither).

        With `initial`, the current state of each matching lock comes first (kind SNAPSHOT).
        """
        request = lock_pb2.WatchRequest(name=name or "", prefix=prefix or "", initial=initial)
        async for message in server_stream(self._lock_stub().Watch(request)):
            event = _convert.lock_event(message)
            if event is not None:
                yield event

    # Plumbing.

    def _acquire_request(self, name: str, ttl: Optional[float], limit: Optional[int], owner: Optional[str], wait_ms: Optional[int], shared: bool = False, permits: Optional[int] = None, value: str = "") -> lock_pb2.AcquireRequest:
        request = lock_pb2.AcquireRequest(name=name, owner=owner or "", shared=shared, value=value)
        if permits is not None:
            request.permits = permits
        ttl_ms = _convert.to_ms(ttl, "ttl")
        if ttl_ms is not None:
            request.ttl_ms = ttl_ms
        if limit is not None:
            request.limit = limit
        if wait_ms is not None:
            request.wait_ms = wait_ms
        return request

    def _grpc_channel(self) -> grpc.aio.Channel:
        if self._closed:
            raise RuntimeError("the client is closed")
        loop = asyncio.get_running_loop()
        if self._channel is None:
            self._channel = self._target.aio_channel()
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError("this baton.aio.Client belongs to another event loop (the one that first used it); make one client per loop")
        return self._channel

    def _lock_stub(self) -> LockServiceStub:
        channel = self._grpc_channel()  # checks the loop on every call
        if self._locks is None:
            self._locks = LockServiceStub(channel)
        return self._locks

    def _election_stub(self) -> ElectionServiceStub:
        channel = self._grpc_channel()
        if self._elections is None:
            self._elections = ElectionServiceStub(channel)
        return self._elections

    def _rendezvous_stub(self) -> RendezvousServiceStub:
        channel = self._grpc_channel()
        if self._rendezvous is None:
            self._rendezvous = RendezvousServiceStub(channel)
        return self._rendezvous

    def _lock_session(self) -> Session:
        self._grpc_channel()
        if self._session is None:
            self._session = Session(self._lock_stub(), owner=self.owner, ttl_ms=self._session_ttl_ms, channel_ready=self._grpc_channel().channel_ready)
        return self._session
