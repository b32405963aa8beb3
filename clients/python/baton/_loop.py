"""The sync clients' I/O thread: one asyncio event loop per process that runs their work.

One loop for every `baton.Client` of the process, not one per client: grpc's asyncio layer wakes
every event loop bound to it on each completion (grpc issue 25364), so each extra loop costs a
wake-up per event and logs a spurious `BlockingIOError`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Iterator, Optional, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_shared: Optional["LoopThread"] = None


def io_thread() -> "LoopThread":
    """The process's I/O thread, started on first use."""
    global _shared
    with _lock:
        if _shared is None or not _shared.alive:
            _shared = LoopThread("baton-client-io")
        return _shared


class LoopThread:
    """A daemon thread running one event loop; `run` executes a coroutine there and waits for it."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_quiet_grpc_poller)
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        """False once the thread has ended (it never does on its own; a fork leaves none behind)."""
        return self._thread.is_alive()

    def run(self, make: Callable[[], Awaitable[T]], timeout: Optional[float] = None) -> T:
        """Runs `make()` on the loop and returns its result; Ctrl-C (or a timeout) cancels it."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a sync Baton client cannot be called from its own callbacks (on_lost, on_queued); use the asyncio client")

        async def call() -> T:
            return await make()

        future = asyncio.run_coroutine_threadsafe(call(), self._loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    def iterate(self, make: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
        """Iterates an async iterator made on the loop; closing the generator closes it there."""

        async def start() -> AsyncIterator[T]:
            return make()

        iterator = self.run(start)

        async def step() -> T:
            return await iterator.__anext__()

        try:
            while True:
                try:
                    yield self.run(step)
                except StopAsyncIteration:
                    return
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                try:
                    self.run(close, timeout=5)
                except (Exception, concurrent.futures.TimeoutError):
                    pass


def _quiet_grpc_poller(loop: asyncio.AbstractEventLoop, context: Dict[str, Any]) -> None:
    # grpc 25364: another event loop of the process read the wake-up byte first. Harmless.
    if isinstance(context.get("exception"), BlockingIOError) and "PollerCompletionQueue" in repr(context.get("handle")):
        return
    loop.default_exception_handler(context)
