"""Typed errors: each error case of the server, on the Session stream and on plain calls, raises its
own class with the server's reason; details the server cannot be made to send here are decoded
from a google.rpc.Status built as a server builds it."""

from __future__ import annotations

import asyncio
import signal
from typing import Callable, List, Optional, Tuple

import grpc
import pytest

import baton
import baton.aio
from baton._rpc import status as rpc
from baton.exceptions import error_from_rpc
from baton.lock.v1 import lock_pb2
from server_process import BatonServer


def test_lock_held_names_the_holders(url: str, name: str) -> None:
    with baton.Client(url, owner="holder") as a, baton.Client(url) as b:
        lease = a.acquire(name, ttl=30)
        with pytest.raises(baton.LockHeld) as caught:
            b.acquire(name, timeout=0)
        e = caught.value
        assert e.reason == "LOCK_HELD" and e.code == grpc.StatusCode.ABORTED
        assert [(h.owner, h.fencing) for h in e.holders] == [("holder", lease.fencing)]
        assert e.holders[0].expires_at is not None
        assert e.limit == 1 and e.queue_length == 0 and e.metadata["name"] == name
        assert isinstance(e, baton.BatonError)


def test_not_held_for_a_stale_token(url: str, name: str) -> None:
    with baton.Client(url) as client:
        lease = client.acquire(name)
        client.release(lease)
        with pytest.raises(baton.NotHeld) as caught:
            client.refresh(lease)
        assert caught.value.reason == "NOT_HELD" and caught.value.code == grpc.StatusCode.FAILED_PRECONDITION


def test_limit_mismatch(url: str, name: str) -> None:
    with baton.Client(url) as client:
        lease = client.acquire(name)
        with pytest.raises(baton.LimitMismatch) as caught:
            client.acquire(name, limit=2, timeout=0)
        assert caught.value.reason == "LIMIT_MISMATCH" and caught.value.metadata["name"] == name
        client.release(lease)


def test_queue_full(start_server: Callable[..., BatonServer], name: str) -> None:
    server = start_server("--max-queue", "1")

    async def main() -> None:
        async with baton.aio.Client(server.url) as client:
            await client.acquire(name)
            first = asyncio.ensure_future(client.acquire(name))
            while len((await client.describe(name)).waiters) < 1:
                await asyncio.sleep(0.02)
            with pytest.raises(baton.QueueFull) as caught:
                await client.acquire(name)
            assert caught.value.reason == "QUEUE_FULL" and caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            first.cancel()

    asyncio.run(asyncio.wait_for(main(), 30))


def test_invalid_argument_names_the_field_on_the_session_and_on_calls(url: str) -> None:
    with baton.Client(url) as client:
        for call, field in [
            (lambda: client.acquire("bad name!"), "name"),
            (lambda: client.acquire("ok", ttl=0.001), "ttl_ms"),
            (lambda: client.describe("bad name!"), "name"),
            (lambda: client.signal("bad key!"), "key"),
        ]:
            with pytest.raises(baton.InvalidArgument) as caught:
                call()
            assert caught.value.reason == "INVALID_ARGUMENT" and caught.value.field == field
            assert isinstance(caught.value, ValueError)


def test_wait_timeout_on_a_stream(url: str, name: str) -> None:
    with baton.Client(url) as client:
        with pytest.raises(baton.WaitTimeout) as caught:
            client.wait(name, timeout=0.2)
        assert caught.value.code == grpc.StatusCode.DEADLINE_EXCEEDED and caught.value.metadata["key"] == name


def test_permission_denied_for_a_probe_off_the_allowlist(url: str) -> None:
    with baton.Client(url) as client:
        with pytest.raises(baton.PermissionDenied) as caught:
            client.wait_ready(tcp="example.com:80", timeout=1)
        assert caught.value.reason == "PROBE_NOT_ALLOWED" and caught.value.metadata["host"] == "example.com"


def test_parties_mismatch(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url) as client:
            first = asyncio.ensure_future(client.arrive(name, 2))
            await asyncio.sleep(0.2)
            with pytest.raises(baton.PartiesMismatch) as caught:
                await client.arrive(name, 3, timeout=5)
            assert caught.value.reason == "PARTIES_MISMATCH"
            first.cancel()

    asyncio.run(asyncio.wait_for(main(), 30))


def test_message_too_large(url: str) -> None:
    with baton.Client(url) as client:
        with pytest.raises(baton.QuotaExceeded) as caught:
            client.signal("big", "x" * 300_000)
        assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert caught.value.reason == "MESSAGE_TOO_LARGE"


def test_unreachable_server_is_unavailable(name: str) -> None:
    with baton.Client("http://127.0.0.1:9") as client:
        with pytest.raises(baton.Unavailable) as caught:
            client.acquire(name)
        assert caught.value.reason == "UNAVAILABLE"
        with pytest.raises(baton.Unavailable):
            client.describe(name)


def test_shutting_down_ends_waits_with_unavailable(start_server: Callable[..., BatonServer], name: str) -> None:
    server = start_server()
    errors: List[BaseException] = []

    async def main() -> None:
        async with baton.aio.Client(server.url) as client:
            waiting = asyncio.ensure_future(client.wait(name))
            await asyncio.sleep(0.3)
            server.process.send_signal(signal.SIGTERM)
            try:
                await waiting
            except baton.BatonError as e:
                errors.append(e)

    asyncio.run(asyncio.wait_for(main(), 30))
    assert len(errors) == 1 and isinstance(errors[0], baton.Unavailable)
    assert errors[0].reason == "SHUTTING_DOWN"  # type: ignore[attr-defined]


class _FakeRpcError(grpc.RpcError):
    """A failed call as grpc reports it: a code, a message, and the status details trailer."""

    def __init__(self, code: grpc.StatusCode, message: str, details: List[Tuple[str, bytes]]) -> None:
        status = rpc.Status(code=code.value[0], message=message)
        for type_url, value in details:
            any_detail = status.details.add()
            any_detail.type_url, any_detail.value = type_url, value
        self._code, self._message, self._trailers = code, message, (("grpc-status-details-bin", status.SerializeToString()),)

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._message

    def trailing_metadata(self) -> Tuple[Tuple[str, bytes], ...]:
        return self._trailers


def _info(reason: str, **metadata: str) -> Tuple[str, bytes]:
    return ("type.googleapis.com/google.rpc.ErrorInfo", rpc.ErrorInfo(reason=reason, domain="baton", metadata=metadata).SerializeToString())


@pytest.mark.parametrize(
    "reason, code, cls",
    [
        ("UNAUTHENTICATED", grpc.StatusCode.UNAUTHENTICATED, baton.Unauthenticated),
        ("PERMISSION_DENIED", grpc.StatusCode.PERMISSION_DENIED, baton.PermissionDenied),
        ("QUOTA_EXCEEDED", grpc.StatusCode.RESOURCE_EXHAUSTED, baton.QuotaExceeded),
        ("MESSAGE_TOO_LARGE", grpc.StatusCode.RESOURCE_EXHAUSTED, baton.QuotaExceeded),
        ("CANCELLED", grpc.StatusCode.CANCELLED, baton.Cancelled),
        ("DEADLINE_EXCEEDED", grpc.StatusCode.DEADLINE_EXCEEDED, baton.DeadlineExceeded),
        ("STORE_UNAVAILABLE", grpc.StatusCode.UNAVAILABLE, baton.Unavailable),
        ("SHUTTING_DOWN", grpc.StatusCode.UNAVAILABLE, baton.Unavailable),
        ("INTERNAL", grpc.StatusCode.INTERNAL, baton.InternalError),
    ],
)
def test_reasons_the_server_sends_rarely_decode_to_their_class(reason: str, code: grpc.StatusCode, cls: type) -> None:
    e = error_from_rpc(_FakeRpcError(code, "words", [_info(reason)]))
    assert type(e) is cls and e.reason == reason and e.code == code and e.message == "words"


def test_rate_limited_carries_the_retry_delay() -> None:
    retry = rpc.RetryInfo()
    retry.retry_delay.seconds, retry.retry_delay.nanos = 1, 500_000_000
    e = error_from_rpc(_FakeRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", [_info("RATE_LIMITED", limit="acquire"), ("type.googleapis.com/google.rpc.RetryInfo", retry.SerializeToString())]))
    assert isinstance(e, baton.RateLimited) and e.retry_after == 1.5 and e.metadata == {"limit": "acquire"}


def test_lock_held_detail_is_read_from_the_trailer() -> None:
    held = lock_pb2.LockHeld(name="n", limit=2, queue_length=4, holders=[lock_pb2.Holder(owner="o", fencing=7)])
    e = error_from_rpc(_FakeRpcError(grpc.StatusCode.ABORTED, "held", [_info("LOCK_HELD", name="n"), ("type.googleapis.com/baton.lock.v1.LockHeld", held.SerializeToString())]))
    assert isinstance(e, baton.LockHeld) and [h.owner for h in e.holders] == ["o"] and e.limit == 2 and e.queue_length == 4


@pytest.mark.parametrize("reason", [None, "SOMETHING_NEW"])
def test_an_unknown_or_missing_reason_falls_back_to_the_status_code(reason: Optional[str]) -> None:
    details = [] if reason is None else [_info(reason)]
    e = error_from_rpc(_FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, "gone", details))
    assert isinstance(e, baton.NotHeld) and e.reason == (reason or "FAILED_PRECONDITION")
    other = error_from_rpc(_FakeRpcError(grpc.StatusCode.DATA_LOSS, "?", details))
    assert type(other) is baton.BatonError


def test_an_unreadable_trailer_still_gives_the_status_code() -> None:
    class Garbled(_FakeRpcError):
        def trailing_metadata(self) -> Tuple[Tuple[str, bytes], ...]:
            return (("grpc-status-details-bin", b"\xff\xff not a status"),)

    e = error_from_rpc(Garbled(grpc.StatusCode.UNAVAILABLE, "down", []))
    assert isinstance(e, baton.Unavailable) and e.message == "down"
