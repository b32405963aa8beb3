"""Decoding of the `google.rpc.Status` a failed gRPC call carries, and of its standard details.

The message types come from a private descriptor pool built from `descriptors.py` (generated from
proto/google/rpc/error_details.proto and this client's proto/google/rpc/status.proto). A private
pool, because protobuf's default pool refuses a second registration of `google/rpc/*.proto`, and
googleapis-common-protos (which grpcio-status and many Google libraries install) registers those
files there with more messages than Baton's copy declares.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from .descriptors import FILE_DESCRIPTOR_SET

_pool = descriptor_pool.DescriptorPool()
for _file in descriptor_pb2.FileDescriptorSet.FromString(FILE_DESCRIPTOR_SET).file:
    _pool.Add(_file)


def _message_class(full_name: str) -> Any:
    descriptor = _pool.FindMessageTypeByName(full_name)
    get_class = getattr(message_factory, "GetMessageClass", None)
    if get_class is not None:  # protobuf >= 4.22
        return get_class(descriptor)
    return message_factory.MessageFactory(_pool).GetPrototype(descriptor)


Status = _message_class("google.rpc.Status")
ErrorInfo = _message_class("google.rpc.ErrorInfo")
RetryInfo = _message_class("google.rpc.RetryInfo")

TYPE_PREFIX = "type.googleapis.com/"
_ERROR_INFO = TYPE_PREFIX + "google.rpc.ErrorInfo"
_RETRY_INFO = TYPE_PREFIX + "google.rpc.RetryInfo"

#: One detail as it travels: the `google.protobuf.Any` type URL and the serialized message.
Detail = Tuple[str, bytes]


def parse_status(data: bytes) -> Tuple[int, str, List[Detail]]:
    """The code, message and details of a serialized `google.rpc.Status`."""
    status = Status.FromString(data)
    return status.code, status.message, [(d.type_url, d.value) for d in status.details]


class StandardDetails:
    """What the standard details of an error say: the ErrorInfo's reason and metadata, RetryInfo's delay."""

    __slots__ = ("reason", "domain", "metadata", "retry_delay_s")

    def __init__(self) -> None:
        self.reason: Optional[str] = None
        self.domain: Optional[str] = None
        self.metadata: Dict[str, str] = {}
        self.retry_delay_s: Optional[float] = None


def standard_details(details: List[Detail]) -> StandardDetails:
    """Reads the ErrorInfo and RetryInfo among `details` (others are left to the caller)."""
    out = StandardDetails()
    for type_url, value in details:
        if type_url == _ERROR_INFO and out.reason is None:
            info = ErrorInfo.FromString(value)
            out.reason, out.domain, out.metadata = info.reason, info.domain, dict(info.metadata)
        elif type_url == _RETRY_INFO:
            delay = RetryInfo.FromString(value).retry_delay
            out.retry_delay_s = delay.seconds + delay.nanos / 1e9
    return out
