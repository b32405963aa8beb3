from baton.lock.v1 import lock_pb2 as _lock_pb2
from google.protobuf import any_pb2 as _any_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CancelAcquire(_message.Message):
    __slots__ = ["request_id"]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    def __init__(self, request_id: _Optional[int] = ...) -> None: ...

class OpenSession(_message.Message):
    __slots__ = ["owner", "ttl_ms"]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    owner: str
    ttl_ms: int
    def __init__(self, ttl_ms: _Optional[int] = ..., owner: _Optional[str] = ...) -> None: ...

class Ping(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Pong(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SessionError(_message.Message):
    __slots__ = ["code", "details", "message"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    details: _containers.RepeatedCompositeFieldContainer[_any_pb2.Any]
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., details: _Optional[_Iterable[_Union[_any_pb2.Any, _Mapping]]] = ...) -> None: ...

class SessionOpened(_message.Message):
    __slots__ = ["session_id", "ttl_ms"]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    ttl_ms: int
    def __init__(self, ttl_ms: _Optional[int] = ..., session_id: _Optional[str] = ...) -> None: ...

class SessionRequest(_message.Message):
    __slots__ = ["acquire", "cancel", "id", "open", "ping", "refresh", "release", "report_positions"]
    ACQUIRE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    REPORT_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    acquire: _lock_pb2.AcquireRequest
    cancel: CancelAcquire
    id: int
    open: OpenSession
    ping: Ping
    refresh: _lock_pb2.RefreshRequest
    release: _lock_pb2.ReleaseRequest
    report_positions: bool
    def __init__(self, id: _Optional[int] = ..., open: _Optional[_Union[OpenSession, _Mapping]] = ..., acquire: _Optional[_Union[_lock_pb2.AcquireRequest, _Mapping]] = ..., release: _Optional[_Union[_lock_pb2.ReleaseRequest, _Mapping]] = ..., refresh: _Optional[_Union[_lock_pb2.RefreshRequest, _Mapping]] = ..., cancel: _Optional[_Union[CancelAcquire, _Mapping]] = ..., ping: _Optional[_Union[Ping, _Mapping]] = ..., report_positions: bool = ...) -> None: ...

class SessionResponse(_message.Message):
    __slots__ = ["acquired", "error", "id", "lost", "opened", "pong", "queued", "refreshed", "released"]
    ACQUIRED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LOST_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    PONG_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    REFRESHED_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    acquired: _lock_pb2.Lease
    error: SessionError
    id: int
    lost: _lock_pb2.LeaseLost
    opened: SessionOpened
    pong: Pong
    queued: _lock_pb2.QueuePosition
    refreshed: _lock_pb2.Lease
    released: _lock_pb2.ReleaseResponse
    def __init__(self, id: _Optional[int] = ..., opened: _Optional[_Union[SessionOpened, _Mapping]] = ..., queued: _Optional[_Union[_lock_pb2.QueuePosition, _Mapping]] = ..., acquired: _Optional[_Union[_lock_pb2.Lease, _Mapping]] = ..., released: _Optional[_Union[_lock_pb2.ReleaseResponse, _Mapping]] = ..., refreshed: _Optional[_Union[_lock_pb2.Lease, _Mapping]] = ..., error: _Optional[_Union[SessionError, _Mapping]] = ..., lost: _Optional[_Union[_lock_pb2.LeaseLost, _Mapping]] = ..., pong: _Optional[_Union[Pong, _Mapping]] = ...) -> None: ...
