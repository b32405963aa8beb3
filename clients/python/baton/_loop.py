"""The sync client's I/O thread: an asyncio event loop that runs the asyncio client's work."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import AsyncIterator, Awaitable, Callable, Iterator, Optional, TypeVar

T = TypeVar("T")


class LoopThread:
    """A daemon thread running one event loop; `run` executes a coroutine there and waits for it."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the client's work runs on."""
        return self._loop

    def run(self, make: Callable[[], Awaitable[T]], timeout: Optional[float] = None) -> T:
        """Runs `make()` on the loop and returns its result; Ctrl-C (or any exception here) cancels it."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a sync Baton client cannot be used from its own callbacks (on_lost, on_queued); use the asyncio client")

        async def call() -> T:
            return await make()

        future = asyncio.run_coroutine_threadsafe(call(), self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise
        except BaseException:
            future.cancel()
            raise

    def iterate(self, make: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
        """Iterates an async iterator made on the loop; closing the generator closes it there."""
        iterator: Optional[AsyncIterator[T]] = None

        async def start() -> AsyncIterator[T]:
            return make()

        iterator = self.run(start)

        async def step() -> T:
            assert iterator is not None
            return await iterator.__anext__()

        try:
            while True:
                try:
                    yield self.run(step)
                except StopAsyncIteration:
                    return
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None and self._loop.is_running():
                try:
                    self.run(close, timeout=5)
                except Exception:
                    pass

    def stop(self) -> None:
        """Stops the loop and waits for the thread."""
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
