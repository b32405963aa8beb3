"""One Session stream: requests tagged with ids, their answers, and the leases it keeps alive.

Requests go out in order through one writer (the first is `open`); answers are routed by id. The
stream's liveness deadline (`_liveness.py`) decides when its leases must be presumed lost.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any, Callable, Dict, Optional

import grpc

from ..exceptions import BatonError, Cancelled, PermissionDenied, Unauthenticated, Unavailable, error_from_rpc
from ..lease import SESSION_EXPIRED, Lease
from ..lock.v1 import lock_pb2, session_pb2
from ..lock.v1.lock_service_pb2_grpc import LockServiceStub
from ._in_flight import InFlight, QueuedCallback
from ._liveness import Liveness

_OPEN_TIMEOUT_S = 10.0
_CLOSE = object()


class SessionStream:
    """The client's end of one `LockService.Session` call."""

    def __init__(
        self,
        stub: LockServiceStub,
        *,
        owner: str,
        ttl_ms: Optional[int],
        ids: "itertools.count[int]",
        on_lost: Callable[[Lease, str], None],
        on_end: Callable[["SessionStream", BatonError, bool], None],
    ) -> None:
        self._ids = ids
        self._on_lost = on_lost
        self._on_end = on_end
        self._in_flight = InFlight()
        self._liveness = Liveness()
        self._leases: Dict[int, Lease] = {}
        self._outbox: "asyncio.Queue[Any]" = asyncio.Queue()
        self.opened: "asyncio.Future[session_pb2.SessionOpened]" = asyncio.get_running_loop().create_future()
        self.ended = False
        self._recoverable = False
        self._expired = False
        self._closing = False
        # Not wait_for_ready: the open must leave now, or its send time would make the session
        # look older than it is. A reconnect waits for the channel first (see Session._recover).
        self._call = stub.Session()
        open_request = session_pb2.OpenSession(owner=owner)
        if ttl_ms is not None:
            open_request.ttl_ms = ttl_ms
        self.send(session_pb2.SessionRequest(id=next(ids), open=open_request), answered=True)
        self._tasks = [asyncio.ensure_future(self._write()), asyncio.ensure_future(self._read()), asyncio.ensure_future(self._watch())]

    @property
    def alive_until(self) -> float:
        """The `time.monotonic()` until which the server keeps this session at least."""
        return self._liveness.alive_until

    @property
    def broken(self) -> bool:
        """True once the stream broke (not closed by us, not expired): its leases may be taken over."""
        return self.ended and self._recoverable

    @property
    def usable(self) -> bool:
        """True while new requests can go on this stream."""
        return not self.ended and not self._closing and time.monotonic() < self._deadline_for_use()

    def expired_now(self) -> bool:
        """True when the session can no longer be presumed alive (its deadline passed)."""
        return self._expired or self._liveness.expired()

    def send(self, request: session_pb2.SessionRequest, answered: bool = False) -> None:
        """Queues a request; `answered` requests count for the liveness deadline when answered."""
        if self.ended or self._closing:
            return
        if answered:
            self._liveness.sent(request.id)
        self._outbox.put_nowait(request)

    def request(self, request: session_pb2.SessionRequest, on_queued: Optional[QueuedCallback] = None) -> "asyncio.Future[session_pb2.SessionResponse]":
        """Sends a request and returns the future of its final answer (an `error` answer raises)."""
        if self.ended or self._closing:
            future: "asyncio.Future[session_pb2.SessionResponse]" = asyncio.get_running_loop().create_future()
            future.set_exception(Unavailable("the session stream has ended", reason="UNAVAILABLE", code=grpc.StatusCode.UNAVAILABLE))
            return future
        future = self._in_flight.add(request.id, on_queued)
        self.send(request, answered=True)
        return future

    def abandon(self, request_id: int) -> None:
        """Stops waiting for an answer; a pending acquire is cancelled, a grant that crosses it is given back."""
        if self._in_flight.drop(request_id):
            self.send(session_pb2.SessionRequest(id=next(self._ids), cancel=session_pb2.CancelAcquire(request_id=request_id)))

    def adopt(self, request_id: int, lease: Lease) -> None:
        """Makes this stream the keeper of `lease`; `lost` answers for `request_id` name it."""
        self._leases[request_id] = lease
        lease._keeper = self

    def forget(self, lease: Lease) -> None:
        """Stops tracking a lease (released, or kept by another stream now)."""
        for request_id in [i for i, held in self._leases.items() if held is lease]:
            del self._leases[request_id]

    def give_back(self, name: str, token: str) -> None:
        """Releases a permit nobody will use, without waiting for the answer."""
        self.send(session_pb2.SessionRequest(id=next(self._ids), release=lock_pb2.ReleaseRequest(name=name, token=token)))

    async def close(self, timeout_s: float) -> None:
        """Half-closes the stream (the server then releases its leases at once) and waits for its end."""
        if not self.ended and not self._closing:
            self._closing = True
            self._outbox.put_nowait(_CLOSE)
            reader = self._tasks[1]
            try:
                await asyncio.wait_for(asyncio.shield(reader), timeout_s)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass
        self._end(Cancelled("the client is closed", reason="CANCELLED", code=grpc.StatusCode.CANCELLED), recover=False)
        self._leases.clear()
        self._tasks[2].cancel()

    # The stream's tasks.

    async def _write(self) -> None:
        try:
            while True:
                request = await self._outbox.get()
                if request is _CLOSE:
                    await self._call.done_writing()
                    return
                await self._call.write(request)
        except asyncio.CancelledError:
            raise
        except Exception:  # the reader sees the call's end and reports it
            return

    async def _read(self) -> None:
        error: BatonError
        try:
            while True:
                response = await self._call.read()
                if response is grpc.aio.EOF:
                    break
                self._deliver(response)
            error = Unavailable("the session stream ended", reason="UNAVAILABLE", code=grpc.StatusCode.UNAVAILABLE)
        except grpc.aio.AioRpcError as e:
            error = error_from_rpc(e)
        except asyncio.CancelledError:
            error = Cancelled("the session stream was cancelled", reason="CANCELLED", code=grpc.StatusCode.CANCELLED)
        except Exception as e:  # a message this client cannot read: the stream is of no use
            error = Unavailable(f"the session stream failed: {e!r}", reason="UNAVAILABLE", code=grpc.StatusCode.UNAVAILABLE)
        self._end(error, recover=not self._closing)

    async def _watch(self) -> None:
        """Pings every third of the TTL, and loses the leases when the deadline passes unanswered."""
        try:
            opened = await asyncio.wait_for(asyncio.shield(self.opened), _OPEN_TIMEOUT_S)
        except (asyncio.TimeoutError, BatonError):
            if not self.opened.done():
                self._end(Unavailable("the server did not open the session", reason="UNAVAILABLE", code=grpc.StatusCode.UNAVAILABLE), recover=True)
            return
        # After a break this goes on until the deadline: a lease adopted late (its grant arrived
        # just before the break) or not taken over by a new stream in time is lost then.
        await self._liveness.keep(
            ping=lambda: self.send(session_pb2.SessionRequest(id=next(self._ids), ping=session_pb2.Ping()), answered=True),
            interval_s=max(0.01, opened.ttl_ms / 3000.0),
            pinging=lambda: not self.ended,
        )
        self._expire()

    # Answers.

    def _deliver(self, response: session_pb2.SessionResponse) -> None:
        request_id = response.id
        kind = response.WhichOneof("result")
        if kind == "opened":
            self._liveness.ttl_s = response.opened.ttl_ms / 1000.0
            if not self.opened.done():
                self.opened.set_result(response.opened)
        self._liveness.answered(request_id, final=kind != "queued")
        if kind in ("pong", "opened"):
            return
        if kind == "lost":
            lease = self._leases.pop(request_id, None)
            if lease is not None:
                self.forget(lease)
                self._on_lost(lease, response.lost.reason or "the server reported the lease lost")
            return
        if not self._in_flight.deliver(response) and kind == "acquired":
            # A grant that crossed our cancel (the caller gave up): nobody wants it.
            self.give_back(response.acquired.name, response.acquired.token)

    # Endings.

    def _deadline_for_use(self) -> float:
        return self._liveness.alive_until if self.opened.done() else float("inf")

    def _expire(self) -> None:
        """The deadline passed without an answer: every lease of the stream is lost, now."""
        self._expired = True
        for lease in list(self._leases.values()):
            self._on_lost(lease, SESSION_EXPIRED)
        self._leases.clear()
        self._recoverable = False
        self._end(Unavailable("no answer from the server within the session's TTL", reason="UNAVAILABLE", code=grpc.StatusCode.UNAVAILABLE), recover=False)

    def _end(self, error: BatonError, recover: bool) -> None:
        if self.ended:
            return
        self.ended = True
        self._recoverable = recover and not self._expired
        self._closing = True
        # A refusal of the credentials stays what it is (retrying would not help); anything else
        # is an outage the session rides out.
        failure = error if isinstance(error, (Unavailable, Cancelled, Unauthenticated, PermissionDenied)) else Unavailable(f"the session stream ended: {error.message}", reason="UNAVAILABLE", code=grpc.StatusCode.UNAVAILABLE)
        self._in_flight.fail_all(failure)
        if not self.opened.done():
            self.opened.set_exception(failure)
            self.opened.exception()  # retrieved here: nobody may be waiting for it
        self._call.cancel()
        for task in self._tasks[:2]:
            if task is not asyncio.current_task():
                task.cancel()
        self._on_end(self, error, self._recoverable)
