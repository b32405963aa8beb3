"""The synchronous client (`baton.Client`): the asyncio client's behaviour behind blocking calls.

Its work runs on an I/O thread with its own event loop (one for all sync clients of the process), so
the Session stream keeps pinging and the leases stay alive while the calling thread does anything,
blocking included. Every method may be called from any thread.
"""

from __future__ import annotations

import atexit
import weakref
from types import TracebackType
from typing import Callable, Iterator, List, Optional, Type

from ._channel import PemSource
from ._hold import LockContext
from ._loop import io_thread
from .aio._rendezvous import TcpTarget
from .aio._session import OnQueued
from .aio.client import Client as AsyncClient
from .lease import Lease, LostCallback
from .types import BarrierTrip, KeyChange, Leader, LockEvent, LockState, ProbeReady, Signal, Signaled

_open_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


class Client:
    """A Baton client with blocking calls; the same options and methods as `baton.aio.Client`.

    `owner` names this client in `describe` (default `user@host:pid`); `session_ttl` (seconds,
    default the server's 10 s) is how long the server keeps the session's leases after it last
    heard from the client. `ca` (PEM data or a file) verifies an https:// server; `cert` and `key`
    give a client certificate for mutual TLS. Close it with `close()` or `with`; a client still
    open when the interpreter exits is closed then, so its leases are released at once.
    Callbacks (`on_lost`, `on_queued`) run on the client's I/O thread: keep them short.
    """

    def __init__(self, url: str, *, owner: Optional[str] = None, session_ttl: Optional[float] = None, ca: Optional[PemSource] = None, cert: Optional[PemSource] = None, key: Optional[PemSource] = None) -> None:
        self._aio = AsyncClient(url, owner=owner, session_ttl=session_ttl, ca=ca, cert=cert, key=key)
        self.url = url
        self.owner = self._aio.owner
        self._io = io_thread()
        self._closed = False
        _open_clients.add(self)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()

    def close(self) -> None:
        """Ends the session (the server releases its leases at once) and closes the channel."""
        if self._closed:
            return
        self._closed = True
        _open_clients.discard(self)
        self._io.run(self._aio.close, timeout=10)

    # Locks.

    def acquire(self, name: str, *, ttl: Optional[float] = None, timeout: Optional[float] = None, limit: Optional[int] = None, owner: Optional[str] = None, on_lost: Optional[LostCallback] = None, on_queued: Optional[OnQueued] = None, shared: bool = False, permits: Optional[int] = None, value: str = "") -> Lease:
        """Takes a permit of `name`, waiting in its FIFO queue (see `baton.aio.Client.acquire`).

        `timeout` (seconds) bounds the wait (`WaitTimeout`; 0 does not wait: `LockHeld`); Ctrl-C
        while waiting leaves the queue.
        """
        return self._io.run(lambda: self._aio.acquire(name, ttl=ttl, timeout=timeout, limit=limit, owner=owner, on_lost=on_lost, on_queued=on_queued, shared=shared, permits=permits, value=value))

    def try_lock(self, name: str, *, ttl: Optional[float] = None, limit: Optional[int] = None, owner: Optional[str] = None, on_lost: Optional[LostCallback] = None, shared: bool = False, permits: Optional[int] = None, value: str = "") -> Optional[Lease]:
        """Takes a permit of `name` if one is free now; None when the lock is held."""
        return self._io.run(lambda: self._aio.try_lock(name, ttl=ttl, limit=limit, owner=owner, on_lost=on_lost, shared=shared, permits=permits, value=value))

    def lock(self, name: str, *, ttl: Optional[float] = None, timeout: Optional[float] = None, limit: Optional[int] = None, owner: Optional[str] = None, on_lost: Optional[LostCallback] = None, on_queued: Optional[OnQueued] = None, shared: bool = False, permits: Optional[int] = None, value: str = "") -> LockContext:
        """`with client.lock(name) as lease:` holds the lock while the block runs.

        Releases on exit. A loss while the block runs sets `lease.lost`, runs `on_lost`, and makes
        the `with` raise `LeaseLost` on exit.
        """
        return LockContext(lambda: self.acquire(name, ttl=ttl, timeout=timeout, limit=limit, owner=owner, on_lost=on_lost, on_queued=on_queued, shared=shared, permits=permits, value=value), self.release)

    def release(self, lease: Lease) -> int:
        """Gives the permit back and returns its fencing token; `NotHeld` if it was lost already."""
        return self._io.run(lambda: self._aio.release(lease))

    def refresh(self, lease: Lease, ttl: Optional[float] = None) -> Lease:
        """Extends the lease to `ttl` seconds from now (or its own TTL); `NotHeld` if it is gone."""
        return self._io.run(lambda: self._aio.refresh(lease, ttl))

    def describe(self, name: str) -> LockState:
        """The state of one lock: limit, holders (without tokens), waiters in queue order."""
        return self._io.run(lambda: self._aio.describe(name))

    def list(self, prefix: str = "") -> List[LockState]:
        """Every lock whose name starts with `prefix` that is held, waited for or reserved."""
        return self._io.run(lambda: self._aio.list(prefix))

    def reserve(self, prefix: str = "", *, limit: Optional[int] = None) -> str:
        """Creates a lock under a random, unguessable name starting with `prefix`; returns the name."""
        return self._io.run(lambda: self._aio.reserve(prefix, limit=limit))

    def watch(self, name: Optional[str] = None, *, prefix: Optional[str] = None, initial: bool = False) -> Iterator[LockEvent]:
        """Yields every change of the lock `name` or of the locks under `prefix`; close it to stop."""
        return self._io.iterate(lambda: self._aio.watch(name, prefix=prefix, initial=initial))

    # Elections.

    def campaign(self, name: str, value: str = "", *, ttl: Optional[float] = None, timeout: Optional[float] = None, owner: Optional[str] = None, on_lost: Optional[LostCallback] = None) -> Lease:
        """Waits to lead the election `name`, publishing `value` (see `baton.aio.Client.campaign`)."""
        return self._io.run(lambda: self._aio.campaign(name, value, ttl=ttl, timeout=timeout, owner=owner, on_lost=on_lost))

    def proclaim(self, lease: Lease, value: str) -> Leader:
        """Publishes a new value as the leader holding `lease`; `NotHeld` once it no longer leads."""
        return self._io.run(lambda: self._aio.proclaim(lease, value))

    def resign(self, lease: Lease) -> int:
        """Gives up leadership (the next candidate leads at once); returns the term that ended."""
        return self._io.run(lambda: self._aio.resign(lease))

    def leader(self, name: str) -> Optional[Leader]:
        """The current leader of `name`, or None."""
        return self._io.run(lambda: self._aio.leader(name))

    def observe(self, name: str) -> Iterator[Optional[Leader]]:
        """Yields the leader of `name` now (None for none), then every change; close it to stop."""
        return self._io.iterate(lambda: self._aio.observe(name))

    # Rendezvous.

    def signal(self, key: str, payload: str = "", *, ttl: Optional[float] = None, owner: Optional[str] = None) -> Signaled:
        """Sets `key` (with a payload and an optional TTL in seconds) and wakes its waiters."""
        return self._io.run(lambda: self._aio.signal(key, payload, ttl=ttl, owner=owner))

    def reset(self, key: str) -> bool:
        """Clears `key`; True if it was set."""
        return self._io.run(lambda: self._aio.reset(key))

    def wait(self, key: str, *, timeout: Optional[float] = None, owner: Optional[str] = None) -> Signal:
        """Waits until `key` is set and returns its value; `WaitTimeout` after `timeout` seconds."""
        return self._io.run(lambda: self._aio.wait(key, timeout=timeout, owner=owner))

    def subscribe(self, key: Optional[str] = None, *, prefix: Optional[str] = None, initial: bool = False) -> Iterator[KeyChange]:
        """Yields every change of `key` or of the keys under `prefix`; close it to stop."""
        return self._io.iterate(lambda: self._aio.subscribe(key, prefix=prefix, initial=initial))

    def arrive(self, key: str, parties: int, *, timeout: Optional[float] = None, owner: Optional[str] = None, on_progress: Optional[Callable[[int, int], None]] = None) -> BarrierTrip:
        """Joins the barrier `key` of `parties` participants and waits until all have arrived."""
        return self._io.run(lambda: self._aio.arrive(key, parties, timeout=timeout, owner=owner, on_progress=on_progress))

    def wait_ready(
        self,
        *,
        tcp: Optional[TcpTarget] = None,
        postgres: Optional[str] = None,
        http: Optional[str] = None,
        expect_status: int = 0,
        timeout: Optional[float] = None,
        interval: Optional[float] = None,
        attempt_timeout: Optional[float] = None,
        on_attempt: Optional[Callable[[int, str], None]] = None,
    ) -> ProbeReady:
        """Waits until a probe run by the server succeeds (see `baton.aio.Client.wait_ready`)."""
        return self._io.run(
            lambda: self._aio.wait_ready(tcp=tcp, postgres=postgres, http=http, expect_status=expect_status, timeout=timeout, interval=interval, attempt_timeout=attempt_timeout, on_attempt=on_attempt)
        )


@atexit.register
def _close_open_clients() -> None:
    for client in list(_open_clients):
        try:
            client.close()
        except Exception:
            pass
