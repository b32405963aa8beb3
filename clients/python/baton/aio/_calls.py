"""Unary and server-streaming calls with the server's errors raised as typed errors."""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, TypeVar

import grpc

from ..exceptions import error_from_rpc

T = TypeVar("T")


async def unary(call: Awaitable[T]) -> T:
    """Awaits a unary call; a failure raises the matching `BatonError`."""
    try:
        return await call
    except grpc.aio.AioRpcError as e:
        raise error_from_rpc(e) from None


async def server_stream(call: Any) -> AsyncIterator[Any]:
    """Yields a server stream's messages; a failure raises the matching `BatonError`.

    Stopping the iteration early (break, cancellation, `aclose`) cancels the call.
    """
    try:
        while True:
            message = await call.read()
            if message is grpc.aio.EOF:
                return
            yield message
    except grpc.aio.AioRpcError as e:
        raise error_from_rpc(e) from None
    finally:
        call.cancel()
