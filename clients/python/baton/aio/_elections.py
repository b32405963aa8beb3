"""Election calls of the asyncio client that are not lock calls: proclaim, leader, observe.

Campaign and resign are an acquire (limit 1, with a value) and a release: see client.py."""

from __future__ import annotations

from typing import AsyncIterator, Optional

from .. import _convert
from ..lease import Lease
from ..lock.v1 import election_pb2
from ..lock.v1.election_pb2_grpc import ElectionServiceStub
from ..types import Leader
from ._calls import server_stream, unary


class ElectionCalls:
    """Leader election on the lock queue: an election is the lock of the same name with limit 1,
    the holder leads, and its fencing token is its term (strictly increasing with every leader)."""

    def _election_stub(self) -> ElectionServiceStub:
        raise NotImplementedError

    async def proclaim(self, lease: Lease, value: str) -> Leader:
        """Publishes a new value as the leader holding `lease`; `NotHeld` once it no longer leads."""
        request = election_pb2.ProclaimRequest(name=lease.name, token=lease.token, value=value)
        response = await unary(self._election_stub().Proclaim(request))
        lease.value = value
        result = _convert.leader(response.leader)
        assert result is not None
        return result

    async def leader(self, name: str) -> Optional[Leader]:
        """The current leader of `name`, or None."""
        response = await unary(self._election_stub().Leader(election_pb2.LeaderRequest(name=name)))
        return _convert.leader(response.leader, response.HasField("leader"))

    async def observe(self, name: str) -> AsyncIterator[Optional[Leader]]:
        """Yields the leader of `name` now (None for none), then every change of leader, term or value."""
        async for message in server_stream(self._election_stub().Observe(election_pb2.ObserveRequest(name=name))):
            yield _convert.leader(message.leader, message.HasField("leader"))
