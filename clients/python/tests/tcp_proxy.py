"""A TCP proxy between a client and the server that a test can freeze, cut or refuse, and that can
terminate TLS. It runs on its own thread and event loop, so a test that blocks its own loop (to
simulate a paused process) does not pause the network too."""

from __future__ import annotations

import asyncio
import ssl
import threading
from typing import List, Optional, Set
from urllib.parse import urlsplit


class TcpProxy:
    """Forwards 127.0.0.1:`port` to the server of `target_url`."""

    def __init__(self, target_url: str, tls: Optional[ssl.SSLContext] = None) -> None:
        target = urlsplit(target_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 80)
        self._tls = tls
        self._loop = asyncio.new_event_loop()
        self._frozen = asyncio.Event()
        self._refusing = False
        self._writers: Set[asyncio.StreamWriter] = set()
        self._tasks: Set["asyncio.Task[None]"] = set()
        self.connections = 0
        self.handshake_failures: List[str] = []
        started = threading.Event()
        self._thread = threading.Thread(target=self._main, args=(started,), daemon=True)
        self._thread.start()
        started.wait(10)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"

    def _main(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._frozen.set()  # set = traffic flows
        self._server = self._loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", 0, ssl=self._tls))
        self.port = self._server.sockets[0].getsockname()[1]
        started.set()
        self._loop.run_forever()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)  # type: ignore[arg-type]
            task.add_done_callback(self._tasks.discard)  # type: ignore[arg-type]
        if self._refusing:
            writer.close()
            return
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True)
        for w in (writer, up_writer):
            self._writers.discard(w)
            w.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await self._frozen.wait()
                data = await reader.read(65536)
                if not data:
                    break
                await self._frozen.wait()  # data read just before a freeze is held back too
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, ssl.SSLError) as e:
            self.handshake_failures.append(repr(e))
        finally:
            try:
                writer.write_eof()
            except (OSError, RuntimeError, AttributeError, NotImplementedError):
                writer.close()

    def _call(self, fn: "object") -> None:
        done = threading.Event()

        def run() -> None:
            try:
                fn()  # type: ignore[operator]
            finally:
                done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(10)

    def freeze(self) -> None:
        """Stops forwarding in both directions, with every connection left open (a dead network)."""
        self._call(self._frozen.clear)

    def thaw(self) -> None:
        """Forwards again."""
        self._call(self._frozen.set)

    def cut(self) -> None:
        """Closes every connection at once (a broken stream)."""

        def close_all() -> None:
            for w in list(self._writers):
                transport = w.transport
                transport.abort()

        self._call(close_all)

    def refuse(self, refusing: bool = True) -> None:
        """Closes new connections as soon as they are accepted (the server is unreachable)."""
        self._refusing = refusing

    def close(self) -> None:
        """Stops the proxy and closes its connections."""
        self.cut()

        async def stop() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
