"""The API key a client presents (`authorization: Bearer KEY` on every call), as interceptors."""

from __future__ import annotations

import os
from typing import Any, Callable, List, Optional

import grpc

#: Where a client finds its key when it is given none, the same variable the CLI reads.
API_KEY_ENV = "BATON_KEY"


def resolve_api_key(api_key: Optional[str]) -> Optional[str]:
    """The key to send: `api_key`, else `BATON_KEY`; None when there is none ("" sends none).

    Raises ValueError, without echoing the key, for one that could not be a header value (a key
    pasted with its newline, quotes or spaces).
    """
    source = "api_key"
    if api_key is None:
        api_key, source = os.environ.get(API_KEY_ENV), API_KEY_ENV
    if not api_key:
        return None
    if not all(0x21 <= ord(ch) <= 0x7E and ch not in "\"'" for ch in api_key):
        raise ValueError(f"the API key from {source} has spaces, quotes or non-ASCII characters; want the key `baton key new` printed")
    return api_key


def api_key_interceptors(api_key: Optional[str]) -> List[grpc.aio.ClientInterceptor]:
    """The channel interceptors that send `api_key` on every call, unary and streaming.

    One object per kind of call: grpcio before 1.54 files an interceptor under the first kind it
    implements only, so one object implementing all four would leave the streams without the key.
    """
    if api_key is None:
        return []
    header = "Bearer " + api_key
    return [_UnaryUnary(header), _UnaryStream(header), _StreamUnary(header), _StreamStream(header)]


class _Bearer:
    """Adds the authorization header to the metadata of each call."""

    def __init__(self, header: str) -> None:
        self._header = header

    def __repr__(self) -> str:
        return "<baton API key (redacted)>"  # never the key itself

    def _details(self, details: Any) -> Any:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata["authorization"] = self._header
        return grpc.aio.ClientCallDetails(details.method, details.timeout, metadata, details.credentials, details.wait_for_ready)


class _UnaryUnary(_Bearer, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]  # grpc has no type hints
    async def intercept_unary_unary(self, continuation: Callable[[Any, Any], Any], details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _UnaryStream(_Bearer, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(self, continuation: Callable[[Any, Any], Any], details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _StreamUnary(_Bearer, grpc.aio.StreamUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_unary(self, continuation: Callable[[Any, Any], Any], details: Any, request_iterator: Any) -> Any:
        return await continuation(self._details(details), request_iterator)


class _StreamStream(_Bearer, grpc.aio.StreamStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_stream(self, continuation: Callable[[Any, Any], Any], details: Any, request_iterator: Any) -> Any:
        return await continuation(self._details(details), request_iterator)
