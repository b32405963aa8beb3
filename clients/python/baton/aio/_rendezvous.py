"""Rendezvous calls of the asyncio client: signals, barriers and readiness probes."""

from __future__ import annotations

from typing import AsyncIterator, Callable, Optional, Tuple, Union

import grpc

from .. import _convert
from ..exceptions import Unavailable
from ..rendezvous.v1 import rendezvous_pb2
from ..rendezvous.v1.rendezvous_pb2_grpc import RendezvousServiceStub
from ..types import BarrierTrip, KeyChange, ProbeReady, Signal, Signaled
from ._calls import server_stream, unary

#: A TCP probe target: "host:port" ("[::1]:5432" for IPv6) or (host, port).
TcpTarget = Union[str, Tuple[str, int]]


class RendezvousCalls:
    """Signals (a key that is set or not), barriers (wait for N parties) and readiness probes."""

    owner: str

    def _rendezvous_stub(self) -> RendezvousServiceStub:
        raise NotImplementedError

    async def signal(self, key: str, payload: str = "", *, ttl: Optional[float] = None, owner: Optional[str] = None) -> Signaled:
        """Sets `key` (with a payload, and a TTL in seconds after which it clears itself) and wakes its waiters."""
        request = rendezvous_pb2.SignalRequest(key=key, payload=payload, owner=owner or self.owner)
        ttl_ms = _convert.to_ms(ttl, "ttl")
        if ttl_ms is not None:
            request.ttl_ms = ttl_ms
        response = await unary(self._rendezvous_stub().Signal(request))
        return Signaled(signal=_convert.signal(response.signal), woken=response.woken)

    async def reset(self, key: str) -> bool:
        """Clears `key`; True if it was set."""
        response = await unary(self._rendezvous_stub().Reset(rendezvous_pb2.ResetRequest(key=key)))
        return bool(response.was_set)

    async def wait(self, key: str, *, timeout: Optional[float] = None, owner: Optional[str] = None) -> Signal:
        """Waits until `key` is set and returns its value (at once if it is set already).

        `timeout` (seconds, None = as long as it takes, 0 = only look) ends the wait with `WaitTimeout`.
        """
        request = rendezvous_pb2.WaitRequest(key=key, owner=owner or self.owner)
        wait_ms = _convert.to_ms(timeout, "timeout")
        if wait_ms is not None:
            request.wait_ms = wait_ms
        async for event in server_stream(self._rendezvous_stub().Wait(request)):
            if event.WhichOneof("event") == "signaled":
                return _convert.signal(event.signaled)
        raise _ended("wait")

    async def subscribe(self, key: Optional[str] = None, *, prefix: Optional[str] = None, initial: bool = False) -> AsyncIterator[KeyChange]:
        """Yields every change of `key`, or of every key starting with `prefix` (all keys when neither).

        With `initial`, the current value of each matching key that is set comes first.
        """
        request = rendezvous_pb2.SubscribeRequest(key=key or "", prefix=prefix or "", initial=initial)
        async for event in server_stream(self._rendezvous_stub().Subscribe(request)):
            if event.WhichOneof("event") == "change":
                change = _convert.key_change(event.change)
                if change is not None:
                    yield change

    async def arrive(self, key: str, parties: int, *, timeout: Optional[float] = None, owner: Optional[str] = None, on_progress: Optional[Callable[[int, int], None]] = None) -> BarrierTrip:
        """Joins the barrier `key` of `parties` participants and waits until all have arrived.

        `on_progress(arrived, parties)` hears the count as it changes. `timeout` (seconds) leaves
        the barrier with `WaitTimeout` when it runs out.
        """
        request = rendezvous_pb2.ArriveRequest(key=key, parties=parties, owner=owner or self.owner)
        wait_ms = _convert.to_ms(timeout, "timeout")
        if wait_ms is not None:
            request.wait_ms = wait_ms
        async for event in server_stream(self._rendezvous_stub().Arrive(request)):
            kind = event.WhichOneof("event")
            if kind == "tripped":
                return _convert.barrier_trip(event.tripped)
            if kind == "progress" and on_progress is not None:
                on_progress(event.progress.arrived, event.progress.parties)
        raise _ended("arrive")

    async def wait_ready(
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
        """Waits until a probe run by the server succeeds: a TCP port, a Postgres database, or a URL.

        Name exactly one of `tcp` ("host:port"), `postgres` (a database name on the server's
        Postgres) and `http` (a URL; `expect_status` 0 accepts any 2xx). `on_attempt(attempt,
        error)` hears each failed attempt. Durations are seconds.
        """
        request = rendezvous_pb2.WaitReadyRequest()
        if sum(x is not None for x in (tcp, postgres, http)) != 1:
            raise ValueError("wait_ready needs exactly one of tcp, postgres and http")
        if tcp is not None:
            host, port = _host_port(tcp)
            request.tcp.CopyFrom(rendezvous_pb2.TcpProbe(host=host, port=port))
        elif postgres is not None:
            request.postgres.CopyFrom(rendezvous_pb2.PostgresProbe(database=postgres))
        elif http is not None:
            request.http.CopyFrom(rendezvous_pb2.HttpProbe(url=http, expect_status=expect_status))
        for field, value in (("wait_ms", timeout), ("interval_ms", interval), ("attempt_timeout_ms", attempt_timeout)):
            ms = _convert.to_ms(value, field.replace("_ms", ""))
            if ms is not None:
                setattr(request, field, ms)
        async for event in server_stream(self._rendezvous_stub().WaitReady(request)):
            kind = event.WhichOneof("event")
            if kind == "ready":
                return _convert.probe_ready(event.ready)
            if kind == "failed" and on_attempt is not None:
                on_attempt(event.failed.attempt, event.failed.error)
        raise _ended("wait_ready")


def _host_port(target: TcpTarget) -> Tuple[str, int]:
    if isinstance(target, tuple):
        return target[0], int(target[1])
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"tcp must be 'host:port' (got {target!r})")
    return host.strip("[]"), int(port)


def _ended(what: str) -> Unavailable:
    return Unavailable(f"the {what} stream ended without its final event", reason="UNAVAILABLE", code=grpc.StatusCode.UNAVAILABLE)
