from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
LOCK_EVENT_KIND_DEQUEUED: LockEventKind
LOCK_EVENT_KIND_EXPIRED: LockEventKind
LOCK_EVENT_KIND_GRANTED: LockEventKind
LOCK_EVENT_KIND_PROCLAIMED: LockEventKind
LOCK_EVENT_KIND_QUEUED: LockEventKind
LOCK_EVENT_KIND_REFRESHED: LockEventKind
LOCK_EVENT_KIND_RELEASED: LockEventKind
LOCK_EVENT_KIND_RESERVED: LockEventKind
LOCK_EVENT_KIND_SNAPSHOT: LockEventKind
LOCK_EVENT_KIND_UNSPECIFIED: LockEventKind

class AcquireRequest(_message.Message):
    __slots__ = ["limit", "name", "owner", "permits", "shared", "ttl_ms", "value", "wait_ms"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PERMITS_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    limit: int
    name: str
    owner: str
    permits: int
    shared: bool
    ttl_ms: int
    value: str
    wait_ms: int
    def __init__(self, name: _Optional[str] = ..., owner: _Optional[str] = ..., ttl_ms: _Optional[int] = ..., limit: _Optional[int] = ..., wait_ms: _Optional[int] = ..., permits: _Optional[int] = ..., shared: bool = ..., value: _Optional[str] = ...) -> None: ...

class AcquireResponse(_message.Message):
    __slots__ = ["lease"]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ...) -> None: ...

class DescribeRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DescribeResponse(_message.Message):
    __slots__ = ["lock"]
    LOCK_FIELD_NUMBER: _ClassVar[int]
    lock: Lock
    def __init__(self, lock: _Optional[_Union[Lock, _Mapping]] = ...) -> None: ...

class ForceReleaseRequest(_message.Message):
    __slots__ = ["fencing", "name", "reason"]
    FENCING_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    fencing: int
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., fencing: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ForceReleaseResponse(_message.Message):
    __slots__ = ["released"]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    released: _containers.RepeatedCompositeFieldContainer[Holder]
    def __init__(self, released: _Optional[_Iterable[_Union[Holder, _Mapping]]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ["elapsed_ms"]
    ELAPSED_MS_FIELD_NUMBER: _ClassVar[int]
    elapsed_ms: int
    def __init__(self, elapsed_ms: _Optional[int] = ...) -> None: ...

class Holder(_message.Message):
    __slots__ = ["acquired_at", "expires_at", "fencing", "owner", "permits", "shared", "value"]
    ACQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    FENCING_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PERMITS_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    acquired_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    fencing: int
    owner: str
    permits: int
    shared: bool
    value: str
    def __init__(self, owner: _Optional[str] = ..., fencing: _Optional[int] = ..., acquired_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., value: _Optional[str] = ..., permits: _Optional[int] = ..., shared: bool = ...) -> None: ...

class Lease(_message.Message):
    __slots__ = ["acquired_at", "expires_at", "fencing", "name", "owner", "permits", "shared", "token", "ttl_ms", "value"]
    ACQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    FENCING_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PERMITS_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    acquired_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    fencing: int
    name: str
    owner: str
    permits: int
    shared: bool
    token: str
    ttl_ms: int
    value: str
    def __init__(self, name: _Optional[str] = ..., owner: _Optional[str] = ..., token: _Optional[str] = ..., fencing: _Optional[int] = ..., acquired_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., ttl_ms: _Optional[int] = ..., value: _Optional[str] = ..., permits: _Optional[int] = ..., shared: bool = ...) -> None: ...

class LeaseLost(_message.Message):
    __slots__ = ["reason"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "prefix"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    prefix: str
    def __init__(self, prefix: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListResponse(_message.Message):
    __slots__ = ["locks", "next_page_token"]
    LOCKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    locks: _containers.RepeatedCompositeFieldContainer[Lock]
    next_page_token: str
    def __init__(self, locks: _Optional[_Iterable[_Union[Lock, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Lock(_message.Message):
    __slots__ = ["holders", "last_fencing", "limit", "name", "reserved", "waiters"]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    LAST_FENCING_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    WAITERS_FIELD_NUMBER: _ClassVar[int]
    holders: _containers.RepeatedCompositeFieldContainer[Holder]
    last_fencing: int
    limit: int
    name: str
    reserved: bool
    waiters: _containers.RepeatedCompositeFieldContainer[Waiter]
    def __init__(self, name: _Optional[str] = ..., limit: _Optional[int] = ..., holders: _Optional[_Iterable[_Union[Holder, _Mapping]]] = ..., waiters: _Optional[_Iterable[_Union[Waiter, _Mapping]]] = ..., reserved: bool = ..., last_fencing: _Optional[int] = ...) -> None: ...

class LockHeld(_message.Message):
    __slots__ = ["holders", "limit", "name", "queue_length"]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUEUE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    holders: _containers.RepeatedCompositeFieldContainer[Holder]
    limit: int
    name: str
    queue_length: int
    def __init__(self, name: _Optional[str] = ..., limit: _Optional[int] = ..., holders: _Optional[_Iterable[_Union[Holder, _Mapping]]] = ..., queue_length: _Optional[int] = ...) -> None: ...

class QueuePosition(_message.Message):
    __slots__ = ["holders", "position", "queue_length"]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    QUEUE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    holders: _containers.RepeatedCompositeFieldContainer[Holder]
    position: int
    queue_length: int
    def __init__(self, position: _Optional[int] = ..., queue_length: _Optional[int] = ..., holders: _Optional[_Iterable[_Union[Holder, _Mapping]]] = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ["name", "token", "ttl_ms"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    name: str
    token: str
    ttl_ms: int
    def __init__(self, name: _Optional[str] = ..., token: _Optional[str] = ..., ttl_ms: _Optional[int] = ...) -> None: ...

class RefreshResponse(_message.Message):
    __slots__ = ["lease"]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ["name", "token"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    token: str
    def __init__(self, name: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class ReleaseResponse(_message.Message):
    __slots__ = ["fencing"]
    FENCING_FIELD_NUMBER: _ClassVar[int]
    fencing: int
    def __init__(self, fencing: _Optional[int] = ...) -> None: ...

class ReserveRequest(_message.Message):
    __slots__ = ["limit", "prefix"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    limit: int
    prefix: str
    def __init__(self, prefix: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ReserveResponse(_message.Message):
    __slots__ = ["limit", "name"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    limit: int
    name: str
    def __init__(self, name: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class WaitRequest(_message.Message):
    __slots__ = ["hold", "limit", "name", "owner", "permits", "shared", "ttl_ms", "value", "wait_ms"]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PERMITS_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    hold: bool
    limit: int
    name: str
    owner: str
    permits: int
    shared: bool
    ttl_ms: int
    value: str
    wait_ms: int
    def __init__(self, name: _Optional[str] = ..., owner: _Optional[str] = ..., ttl_ms: _Optional[int] = ..., limit: _Optional[int] = ..., wait_ms: _Optional[int] = ..., hold: bool = ..., permits: _Optional[int] = ..., shared: bool = ..., value: _Optional[str] = ...) -> None: ...

class WaitResponse(_message.Message):
    __slots__ = ["granted", "heartbeat", "lost", "queued"]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    LOST_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    granted: Lease
    heartbeat: Heartbeat
    lost: LeaseLost
    queued: QueuePosition
    def __init__(self, queued: _Optional[_Union[QueuePosition, _Mapping]] = ..., granted: _Optional[_Union[Lease, _Mapping]] = ..., lost: _Optional[_Union[LeaseLost, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class Waiter(_message.Message):
    __slots__ = ["owner", "permits", "position", "queued_at", "shared"]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PERMITS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    QUEUED_AT_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    owner: str
    permits: int
    position: int
    queued_at: _timestamp_pb2.Timestamp
    shared: bool
    def __init__(self, owner: _Optional[str] = ..., position: _Optional[int] = ..., queued_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., permits: _Optional[int] = ..., shared: bool = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ["initial", "name", "prefix"]
    INITIAL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    initial: bool
    name: str
    prefix: str
    def __init__(self, name: _Optional[str] = ..., prefix: _Optional[str] = ..., initial: bool = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ["kind", "lock"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOCK_FIELD_NUMBER: _ClassVar[int]
    kind: LockEventKind
    lock: Lock
    def __init__(self, kind: _Optional[_Union[LockEventKind, str]] = ..., lock: _Optional[_Union[Lock, _Mapping]] = ...) -> None: ...

class LockEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
