from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

CANCELLED: ErrorReason
DEADLINE_EXCEEDED: ErrorReason
DESCRIPTOR: _descriptor.FileDescriptor
ERROR_REASON_UNSPECIFIED: ErrorReason
INTERNAL: ErrorReason
INVALID_ARGUMENT: ErrorReason
LIMIT_MISMATCH: ErrorReason
LOCK_HELD: ErrorReason
MESSAGE_TOO_LARGE: ErrorReason
NOT_HELD: ErrorReason
PARTIES_MISMATCH: ErrorReason
PERMISSION_DENIED: ErrorReason
PROBE_NOT_ALLOWED: ErrorReason
QUEUE_FULL: ErrorReason
QUOTA_EXCEEDED: ErrorReason
RATE_LIMITED: ErrorReason
SHUTTING_DOWN: ErrorReason
STORE_UNAVAILABLE: ErrorReason
UNAUTHENTICATED: ErrorReason
WAIT_TIMEOUT: ErrorReason

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
