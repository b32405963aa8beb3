"""Typed errors: every failure the client raises is a `BatonError` with a stable `reason`.

The server puts a `google.rpc.ErrorInfo` (domain "baton", reason from `baton.errors.v1.ErrorReason`)
on every error, in the `grpc-status-details-bin` trailer of a call or in a Session error's details;
`error_from_status` turns it into the matching class below, and an error without a known reason
into the class of its status code.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Type

import grpc

from ._rpc.status import TYPE_PREFIX, Detail, standard_details
from .types import Holder


class BatonError(Exception):
    """Base of every error the client raises.

    `reason` is the server's `ErrorReason` name (e.g. "LOCK_HELD"); for an error the server gave no
    reason for (a transport failure) it is the status code's name (e.g. "UNAVAILABLE"), and for a
    lease the client found lost it is "LEASE_LOST". `code` is the gRPC status code and `metadata`
    the ErrorInfo's facts (e.g. `{"name": "deploy/prod"}`).
    """

    def __init__(self, message: str, *, reason: str, code: grpc.StatusCode, metadata: Optional[Dict[str, str]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.code = code
        self.metadata: Dict[str, str] = dict(metadata or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, reason={self.reason!r})"


class InvalidArgument(BatonError, ValueError):
    """A request field is malformed or out of range; `field` names it when the server did."""

    @property
    def field(self) -> Optional[str]:
        """The offending field, from the error's metadata."""
        return self.metadata.get("field")


class LockHeld(BatonError):
    """No permit was free and the request did not wait (`try_lock` returns None instead)."""

    def __init__(self, message: str, *, reason: str, code: grpc.StatusCode, metadata: Optional[Dict[str, str]] = None, holders: Optional[List[Holder]] = None, limit: int = 0, queue_length: int = 0) -> None:
        super().__init__(message, reason=reason, code=code, metadata=metadata)
        #: The current holders, oldest first, with their expiry.
        self.holders: List[Holder] = list(holders or [])
        #: The lock's limit (1 for a mutex).
        self.limit = limit
        #: How many were waiting.
        self.queue_length = queue_length


class NotHeld(BatonError):
    """The token holds no permit: the lease expired, was released, or the token is wrong."""


class LimitMismatch(BatonError):
    """The lock is in use with another limit (semaphore size)."""


class QueueFull(BatonError):
    """The lock's queue is full."""


class DeadlineExceeded(BatonError, TimeoutError):
    """A call's own deadline passed."""


class WaitTimeout(DeadlineExceeded):
    """The wait the request asked for (`timeout=`) ran out."""


class Cancelled(BatonError):
    """The server cancelled the request (its session ended)."""


class Unavailable(BatonError):
    """The server or its store cannot be reached, it is shutting down, or the session stream broke."""


class Unauthenticated(BatonError):
    """The request carries no credentials, or credentials the server does not accept."""


class PermissionDenied(BatonError):
    """The credentials do not allow this action, or a probe's target is not on the allowlist."""


class RateLimited(BatonError):
    """Too many requests; retry after `retry_after` seconds (None when the server gave no delay)."""

    def __init__(self, message: str, *, reason: str, code: grpc.StatusCode, metadata: Optional[Dict[str, str]] = None, retry_after: Optional[float] = None) -> None:
        super().__init__(message, reason=reason, code=code, metadata=metadata)
        self.retry_after = retry_after


class QuotaExceeded(BatonError):
    """A quota was reached (leases held, waiters queued, streams open) or a message was too large."""


class PartiesMismatch(BatonError):
    """A barrier is gathering with another number of parties."""


class InternalError(BatonError):
    """Something went wrong inside the server (or the client met a message it cannot read)."""


class LeaseLost(BatonError):
    """A lease is gone while its holder still counted on it.

    Raised when a `lock` block ends after its lease was lost (released through another client,
    expired, or the session could not be kept alive), and by an acquire whose grant arrived too
    late to be trusted. `lease` is the lost lease when there is one.
    """

    def __init__(self, message: str, lease: Optional[object] = None) -> None:
        super().__init__(message, reason="LEASE_LOST", code=grpc.StatusCode.ABORTED)
        self.lease = lease


_BY_REASON: Dict[str, Type[BatonError]] = {
    "INVALID_ARGUMENT": InvalidArgument,
    "LOCK_HELD": LockHeld,
    "NOT_HELD": NotHeld,
    "LIMIT_MISMATCH": LimitMismatch,
    "QUEUE_FULL": QueueFull,
    "WAIT_TIMEOUT": WaitTimeout,
    "DEADLINE_EXCEEDED": DeadlineExceeded,
    "CANCELLED": Cancelled,
    "STORE_UNAVAILABLE": Unavailable,
    "SHUTTING_DOWN": Unavailable,
    "UNAUTHENTICATED": Unauthenticated,
    "PERMISSION_DENIED": PermissionDenied,
    "PROBE_NOT_ALLOWED": PermissionDenied,
    "RATE_LIMITED": RateLimited,
    "QUOTA_EXCEEDED": QuotaExceeded,
    "MESSAGE_TOO_LARGE": QuotaExceeded,
    "PARTIES_MISMATCH": PartiesMismatch,
    "INTERNAL": InternalError,
}

_BY_CODE: Dict[grpc.StatusCode, Type[BatonError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.ABORTED: LockHeld,
    grpc.StatusCode.FAILED_PRECONDITION: NotHeld,
    grpc.StatusCode.RESOURCE_EXHAUSTED: QuotaExceeded,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.CANCELLED: Cancelled,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.INTERNAL: InternalError,
}

_CODES_BY_NAME: Dict[str, grpc.StatusCode] = {c.name.lower(): c for c in grpc.StatusCode}
_CODES_BY_NAME["canceled"] = grpc.StatusCode.CANCELLED  # Connect's spelling


def code_from_name(name: str) -> grpc.StatusCode:
    """A status code from its name as Connect spells it ("failed_precondition", "canceled")."""
    return _CODES_BY_NAME.get(name.lower(), grpc.StatusCode.UNKNOWN)


def error_from_status(code: grpc.StatusCode, message: str, details: List[Detail]) -> BatonError:
    """The typed error for a failed call: by the ErrorInfo's reason, else by the status code."""
    std = standard_details(details)
    reason = std.reason if std.reason and std.domain in ("baton", "", None) else None
    cls = _BY_REASON.get(reason or "") or _BY_CODE.get(code) or BatonError
    reason = reason or code.name
    if cls is LockHeld:
        return _lock_held(message, reason, code, std.metadata, details)
    if cls is RateLimited:
        return RateLimited(message, reason=reason, code=code, metadata=std.metadata, retry_after=std.retry_delay_s)
    return cls(message, reason=reason, code=code, metadata=std.metadata)


def _lock_held(message: str, reason: str, code: grpc.StatusCode, metadata: Dict[str, str], details: List[Detail]) -> LockHeld:
    from . import _convert
    from .lock.v1 import lock_pb2

    for type_url, value in details:
        if type_url == TYPE_PREFIX + "baton.lock.v1.LockHeld":
            held = lock_pb2.LockHeld.FromString(value)
            return LockHeld(message, reason=reason, code=code, metadata=metadata, holders=[_convert.holder(h) for h in held.holders], limit=held.limit, queue_length=held.queue_length)
    return LockHeld(message, reason=reason, code=code, metadata=metadata)


def error_from_rpc(error: grpc.RpcError) -> BatonError:
    """The typed error for a failed gRPC call (sync or asyncio), details read from its trailers."""
    from ._rpc.status import parse_status

    code: grpc.StatusCode = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message: str = (error.details() if hasattr(error, "details") else None) or str(error)
    details: List[Detail] = []
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            try:
                _, _, details = parse_status(value)
            except Exception:  # an unreadable detail must not hide the error itself
                details = []
    return error_from_status(code, message, details)
