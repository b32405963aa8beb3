"""The requests of a Session stream that await their final answer, by id."""

from __future__ import annotations

import asyncio
from typing import Callable, Dict, Optional

from ..exceptions import BatonError, code_from_name, error_from_status
from ..lock.v1 import lock_pb2, session_pb2

#: Receives the queue positions of a waiting acquire.
QueuedCallback = Callable[[lock_pb2.QueuePosition], None]


class _Pending:
    __slots__ = ("future", "on_queued")

    def __init__(self, future: "asyncio.Future[session_pb2.SessionResponse]", on_queued: Optional[QueuedCallback]) -> None:
        self.future = future
        self.on_queued = on_queued


class InFlight:
    """Futures of requests by id: settled by their final answer, an `error` answer as a typed error."""

    def __init__(self) -> None:
        self._pending: Dict[int, _Pending] = {}

    def add(self, request_id: int, on_queued: Optional[QueuedCallback]) -> "asyncio.Future[session_pb2.SessionResponse]":
        """The future of the final answer to `request_id`; `on_queued` hears its queue positions."""
        future: "asyncio.Future[session_pb2.SessionResponse]" = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(future, on_queued)
        return future

    def drop(self, request_id: int) -> bool:
        """Stops waiting for `request_id`; False if it was not awaited any more."""
        return self._pending.pop(request_id, None) is not None

    def deliver(self, response: session_pb2.SessionResponse) -> bool:
        """Settles the request `response` answers; False if nobody waits for it (its caller gave up)."""
        kind = response.WhichOneof("result")
        pending = self._pending.get(response.id)
        if pending is None or pending.future.cancelled():
            if pending is not None and kind != "queued":
                del self._pending[response.id]
            return False
        if kind == "queued":
            if pending.on_queued is not None:
                pending.on_queued(response.queued)
            return True
        del self._pending[response.id]
        if kind == "error":
            e = response.error
            pending.future.set_exception(error_from_status(code_from_name(e.code), e.message, [(d.type_url, d.value) for d in e.details]))
        elif not pending.future.done():
            pending.future.set_result(response)
        return True

    def fail_all(self, error: BatonError) -> None:
        """Fails every request still awaited (the stream ended)."""
        pending, self._pending = self._pending, {}
        for p in pending.values():
            if not p.future.done():
                p.future.set_exception(error)
