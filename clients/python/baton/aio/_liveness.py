"""The conservative liveness deadline of one Session stream, and the pings that move it.

After the answer to a request R arrives, the server keeps the session alive at least until
`send_time(R) + ttl`: it heard R after R was sent, and it ends a session only once `ttl` has passed
without a message. `alive_until` is the latest such bound on `time.monotonic()`. When it passes
without a newer answer (the process was paused, the network is dead), the session may be gone,
and every lease it kept is lost at once: before the server could have granted one to anyone else.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Dict


class Liveness:
    """Send times of the requests awaiting answers, and the deadline their answers prove."""

    def __init__(self) -> None:
        self.ttl_s = 0.0
        self.alive_until = float("-inf")
        self._sent_at: Dict[int, float] = {}

    def sent(self, request_id: int) -> None:
        """Notes that a request that will be answered is on its way (now, or a little later)."""
        self._sent_at[request_id] = time.monotonic()

    def answered(self, request_id: int, final: bool) -> None:
        """An answer to `request_id` arrived: the server heard it, so the deadline may move on."""
        sent_at = self._sent_at.pop(request_id, None) if final else self._sent_at.get(request_id)
        if sent_at is not None:
            self.alive_until = max(self.alive_until, sent_at + self.ttl_s)

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return time.monotonic() >= self.alive_until

    async def keep(self, ping: Callable[[], None], interval_s: float, pinging: Callable[[], bool]) -> None:
        """Pings every `interval_s` while `pinging()`; returns when the deadline has passed."""
        next_ping = time.monotonic() + interval_s
        while True:
            now = time.monotonic()
            if now >= self.alive_until:
                return
            if pinging() and now >= next_ping:
                ping()
                next_ping = now + interval_s
            wake = min(self.alive_until, next_ping) if pinging() else self.alive_until
            await asyncio.sleep(max(0.0, wake - time.monotonic()))
