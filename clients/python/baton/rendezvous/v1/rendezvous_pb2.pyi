from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
KEY_CHANGE_KIND_CURRENT: KeyChangeKind
KEY_CHANGE_KIND_EXPIRED: KeyChangeKind
KEY_CHANGE_KIND_RESET: KeyChangeKind
KEY_CHANGE_KIND_SIGNALED: KeyChangeKind
KEY_CHANGE_KIND_UNSPECIFIED: KeyChangeKind

class ArriveRequest(_message.Message):
    __slots__ = ["key", "owner", "parties", "wait_ms"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    key: str
    owner: str
    parties: int
    wait_ms: int
    def __init__(self, key: _Optional[str] = ..., parties: _Optional[int] = ..., wait_ms: _Optional[int] = ..., owner: _Optional[str] = ...) -> None: ...

class ArriveResponse(_message.Message):
    __slots__ = ["heartbeat", "progress", "tripped"]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    TRIPPED_FIELD_NUMBER: _ClassVar[int]
    heartbeat: Heartbeat
    progress: BarrierProgress
    tripped: BarrierTripped
    def __init__(self, progress: _Optional[_Union[BarrierProgress, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., tripped: _Optional[_Union[BarrierTripped, _Mapping]] = ...) -> None: ...

class BarrierInfo(_message.Message):
    __slots__ = ["arrived", "generation", "key", "owners", "parties"]
    ARRIVED_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OWNERS_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    arrived: int
    generation: int
    key: str
    owners: _containers.RepeatedScalarFieldContainer[str]
    parties: int
    def __init__(self, key: _Optional[str] = ..., generation: _Optional[int] = ..., arrived: _Optional[int] = ..., parties: _Optional[int] = ..., owners: _Optional[_Iterable[str]] = ...) -> None: ...

class BarrierProgress(_message.Message):
    __slots__ = ["arrived", "generation", "parties"]
    ARRIVED_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    arrived: int
    generation: int
    parties: int
    def __init__(self, generation: _Optional[int] = ..., arrived: _Optional[int] = ..., parties: _Optional[int] = ...) -> None: ...

class BarrierTripped(_message.Message):
    __slots__ = ["generation", "index", "parties"]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    generation: int
    index: int
    parties: int
    def __init__(self, generation: _Optional[int] = ..., index: _Optional[int] = ..., parties: _Optional[int] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ["elapsed_ms"]
    ELAPSED_MS_FIELD_NUMBER: _ClassVar[int]
    elapsed_ms: int
    def __init__(self, elapsed_ms: _Optional[int] = ...) -> None: ...

class HttpProbe(_message.Message):
    __slots__ = ["expect_status", "url"]
    EXPECT_STATUS_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    expect_status: int
    url: str
    def __init__(self, url: _Optional[str] = ..., expect_status: _Optional[int] = ...) -> None: ...

class KeyChange(_message.Message):
    __slots__ = ["key", "kind", "signal", "woken"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    WOKEN_FIELD_NUMBER: _ClassVar[int]
    key: str
    kind: KeyChangeKind
    signal: Signal
    woken: int
    def __init__(self, kind: _Optional[_Union[KeyChangeKind, str]] = ..., key: _Optional[str] = ..., signal: _Optional[_Union[Signal, _Mapping]] = ..., woken: _Optional[int] = ...) -> None: ...

class KeyTimeout(_message.Message):
    __slots__ = ["at", "count", "key", "owner", "waited_ms"]
    AT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    WAITED_MS_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    count: int
    key: str
    owner: str
    waited_ms: int
    def __init__(self, key: _Optional[str] = ..., at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., waited_ms: _Optional[int] = ..., owner: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class KeyWaiting(_message.Message):
    __slots__ = ["key", "owners", "since", "waiters"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OWNERS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    WAITERS_FIELD_NUMBER: _ClassVar[int]
    key: str
    owners: _containers.RepeatedScalarFieldContainer[str]
    since: _timestamp_pb2.Timestamp
    waiters: int
    def __init__(self, key: _Optional[str] = ..., waiters: _Optional[int] = ..., since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., owners: _Optional[_Iterable[str]] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ["page_size", "prefix"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    prefix: str
    def __init__(self, prefix: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListResponse(_message.Message):
    __slots__ = ["barriers", "set", "timed_out", "waiting"]
    BARRIERS_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    TIMED_OUT_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    barriers: _containers.RepeatedCompositeFieldContainer[BarrierInfo]
    set: _containers.RepeatedCompositeFieldContainer[Signal]
    timed_out: _containers.RepeatedCompositeFieldContainer[KeyTimeout]
    waiting: _containers.RepeatedCompositeFieldContainer[KeyWaiting]
    def __init__(self, waiting: _Optional[_Iterable[_Union[KeyWaiting, _Mapping]]] = ..., set: _Optional[_Iterable[_Union[Signal, _Mapping]]] = ..., timed_out: _Optional[_Iterable[_Union[KeyTimeout, _Mapping]]] = ..., barriers: _Optional[_Iterable[_Union[BarrierInfo, _Mapping]]] = ...) -> None: ...

class PostgresProbe(_message.Message):
    __slots__ = ["database"]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    database: str
    def __init__(self, database: _Optional[str] = ...) -> None: ...

class ProbeAttempt(_message.Message):
    __slots__ = ["attempt", "elapsed_ms", "error"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    elapsed_ms: int
    error: str
    def __init__(self, attempt: _Optional[int] = ..., error: _Optional[str] = ..., elapsed_ms: _Optional[int] = ...) -> None: ...

class ProbeReady(_message.Message):
    __slots__ = ["attempts", "detail", "elapsed_ms"]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_MS_FIELD_NUMBER: _ClassVar[int]
    attempts: int
    detail: str
    elapsed_ms: int
    def __init__(self, attempts: _Optional[int] = ..., elapsed_ms: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class ResetRequest(_message.Message):
    __slots__ = ["key"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class ResetResponse(_message.Message):
    __slots__ = ["was_set"]
    WAS_SET_FIELD_NUMBER: _ClassVar[int]
    was_set: bool
    def __init__(self, was_set: bool = ...) -> None: ...

class Signal(_message.Message):
    __slots__ = ["expires_at", "key", "owner", "payload", "signaled_at"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIGNALED_AT_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    key: str
    owner: str
    payload: str
    signaled_at: _timestamp_pb2.Timestamp
    def __init__(self, key: _Optional[str] = ..., payload: _Optional[str] = ..., owner: _Optional[str] = ..., signaled_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SignalRequest(_message.Message):
    __slots__ = ["key", "owner", "payload", "ttl_ms"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    key: str
    owner: str
    payload: str
    ttl_ms: int
    def __init__(self, key: _Optional[str] = ..., payload: _Optional[str] = ..., ttl_ms: _Optional[int] = ..., owner: _Optional[str] = ...) -> None: ...

class SignalResponse(_message.Message):
    __slots__ = ["signal", "woken"]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    WOKEN_FIELD_NUMBER: _ClassVar[int]
    signal: Signal
    woken: int
    def __init__(self, signal: _Optional[_Union[Signal, _Mapping]] = ..., woken: _Optional[int] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ["initial", "key", "prefix"]
    INITIAL_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    initial: bool
    key: str
    prefix: str
    def __init__(self, key: _Optional[str] = ..., prefix: _Optional[str] = ..., initial: bool = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ["change", "heartbeat"]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    change: KeyChange
    heartbeat: Heartbeat
    def __init__(self, heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., change: _Optional[_Union[KeyChange, _Mapping]] = ...) -> None: ...

class TcpProbe(_message.Message):
    __slots__ = ["host", "port"]
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    host: str
    port: int
    def __init__(self, host: _Optional[str] = ..., port: _Optional[int] = ...) -> None: ...

class WaitReadyRequest(_message.Message):
    __slots__ = ["attempt_timeout_ms", "http", "interval_ms", "postgres", "tcp", "wait_ms"]
    ATTEMPT_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    HTTP_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    POSTGRES_FIELD_NUMBER: _ClassVar[int]
    TCP_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    attempt_timeout_ms: int
    http: HttpProbe
    interval_ms: int
    postgres: PostgresProbe
    tcp: TcpProbe
    wait_ms: int
    def __init__(self, tcp: _Optional[_Union[TcpProbe, _Mapping]] = ..., postgres: _Optional[_Union[PostgresProbe, _Mapping]] = ..., http: _Optional[_Union[HttpProbe, _Mapping]] = ..., interval_ms: _Optional[int] = ..., wait_ms: _Optional[int] = ..., attempt_timeout_ms: _Optional[int] = ...) -> None: ...

class WaitReadyResponse(_message.Message):
    __slots__ = ["failed", "ready"]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    failed: ProbeAttempt
    ready: ProbeReady
    def __init__(self, failed: _Optional[_Union[ProbeAttempt, _Mapping]] = ..., ready: _Optional[_Union[ProbeReady, _Mapping]] = ...) -> None: ...

class WaitRequest(_message.Message):
    __slots__ = ["key", "owner", "wait_ms"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    key: str
    owner: str
    wait_ms: int
    def __init__(self, key: _Optional[str] = ..., wait_ms: _Optional[int] = ..., owner: _Optional[str] = ...) -> None: ...

class WaitResponse(_message.Message):
    __slots__ = ["signaled", "waiting"]
    SIGNALED_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    signaled: Signal
    waiting: Heartbeat
    def __init__(self, waiting: _Optional[_Union[Heartbeat, _Mapping]] = ..., signaled: _Optional[_Union[Signal, _Mapping]] = ...) -> None: ...

class KeyChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
