"""Baton's Python client: locks, semaphores and rendezvous over gRPC.

```python
import baton

with baton.Client("http://127.0.0.1:7070") as client:
    with client.lock("deploy/prod", ttl=30) as lease:
        ...  # lease.fencing strictly increases with every grant of the lock
```

`baton.Client` blocks; `baton.aio.Client` is the asyncio flavour with the same shape. The generated
API lives in `baton.lock.v1`, `baton.rendezvous.v1` and `baton.errors.v1`.
"""

from . import aio
from .client import Client
from .exceptions import (
    BatonError,
    Cancelled,
    DeadlineExceeded,
    InternalError,
    InvalidArgument,
    LeaseLost,
    LimitMismatch,
    LockHeld,
    NotHeld,
    PartiesMismatch,
    PermissionDenied,
    QueueFull,
    QuotaExceeded,
    RateLimited,
    Unauthenticated,
    Unavailable,
    WaitTimeout,
)
from .lease import Lease
from .types import (
    BarrierTrip,
    Holder,
    KeyChange,
    KeyChangeKind,
    Leader,
    LockEvent,
    LockEventKind,
    LockState,
    ProbeReady,
    QueuePosition,
    Signal,
    Signaled,
    Waiter,
)

__version__ = "0.1.0"

__all__ = [
    "BarrierTrip",
    "BatonError",
    "Cancelled",
    "Client",
    "DeadlineExceeded",
    "Holder",
    "InternalError",
    "InvalidArgument",
    "KeyChange",
    "KeyChangeKind",
    "Lease",
    "Leader",
    "LeaseLost",
    "LimitMismatch",
    "LockEvent",
    "LockEventKind",
    "LockHeld",
    "LockState",
    "NotHeld",
    "PartiesMismatch",
    "PermissionDenied",
    "ProbeReady",
    "QueueFull",
    "QueuePosition",
    "QuotaExceeded",
    "RateLimited",
    "Signal",
    "Signaled",
    "Unauthenticated",
    "Unavailable",
    "WaitTimeout",
    "Waiter",
    "aio",
]
