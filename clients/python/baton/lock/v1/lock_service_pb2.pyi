from baton.lock.v1 import lock_pb2 as _lock_pb2
from baton.lock.v1 import session_pb2 as _session_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
