"""The asyncio flavour of the Baton client: `baton.aio.Client`, same shape as `baton.Client`.

```python
async with baton.aio.Client("http://127.0.0.1:7070") as client:
    async with client.lock("deploy/prod") as lease:
        ...  # cancelled if the lease is lost
```
"""

from ._hold import LockContext
from .client import Client

__all__ = ["Client", "LockContext"]
