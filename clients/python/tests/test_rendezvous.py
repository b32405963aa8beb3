"""Rendezvous against a real server: signal → wait, subscribe, barriers, readiness probes."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import List, Tuple

import baton
import baton.aio


def test_signal_wakes_a_waiter_with_the_payload(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url, owner="signaller") as client:
            waiter = asyncio.ensure_future(client.wait(name, timeout=10))
            await asyncio.sleep(0.2)
            assert not waiter.done()
            signaled = await client.signal(name, "go", ttl=60)
            assert signaled.woken == 1 and signaled.signal.expires_at is not None
            got = await waiter
            assert (got.key, got.payload, got.owner) == (name, "go", "signaller")
            # Set already: a wait answers at once; reset clears it.
            assert (await client.wait(name, timeout=0)).payload == "go"
            assert await client.reset(name) is True
            assert await client.reset(name) is False

    asyncio.run(asyncio.wait_for(main(), 30))


def test_sync_signal_and_wait(url: str, name: str) -> None:
    with baton.Client(url) as a, baton.Client(url) as b:
        got: List[baton.Signal] = []
        t = threading.Thread(target=lambda: got.append(b.wait(name, timeout=10)))
        t.start()
        a.signal(name, "payload")
        t.join(10)
        assert [s.payload for s in got] == ["payload"]


def test_subscribe_sees_current_value_and_changes(url: str, name: str) -> None:
    with baton.Client(url) as client:
        client.signal(f"{name}/a", "1")
        changes = client.subscribe(prefix=f"{name}/", initial=True)
        first = next(changes)
        assert (first.kind, first.key, first.signal and first.signal.payload) == (baton.KeyChangeKind.CURRENT, f"{name}/a", "1")
        client.signal(f"{name}/b", "2")
        second = next(changes)
        assert (second.kind, second.key) == (baton.KeyChangeKind.SIGNALED, f"{name}/b")
        client.reset(f"{name}/a")
        third = next(changes)
        assert (third.kind, third.key) == (baton.KeyChangeKind.RESET, f"{name}/a")
        changes.close()  # type: ignore[attr-defined]


def test_barrier_trips_for_every_party_at_once(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url) as client:
            progress: List[Tuple[int, int]] = []
            trips = await asyncio.gather(*(client.arrive(name, 3, timeout=10, on_progress=lambda a, p: progress.append((a, p))) for _ in range(3)))
            assert {t.generation for t in trips} == {trips[0].generation}
            assert sorted(t.index for t in trips) == [1, 2, 3]
            assert all(t.parties == 3 for t in trips) and progress
            again = await asyncio.gather(client.arrive(name, 1), client.arrive(f"{name}/solo", 1))
            assert again[0].generation == trips[0].generation + 1

    asyncio.run(asyncio.wait_for(main(), 30))


def test_wait_ready_sees_a_port_opened_mid_wait(url: str) -> None:
    port = _free_port()
    attempts: List[str] = []

    async def main() -> None:
        async with baton.aio.Client(url) as client:
            ready = asyncio.ensure_future(client.wait_ready(tcp=f"127.0.0.1:{port}", timeout=20, interval=0.1, on_attempt=lambda n, e: attempts.append(e)))
            while not attempts:
                await asyncio.sleep(0.05)
            assert not ready.done()
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen()
            try:
                result = await ready
            finally:
                listener.close()
            assert result.attempts >= 2 and str(port) in result.detail and result.elapsed > 0

    asyncio.run(asyncio.wait_for(main(), 40))
    assert attempts and "ECONNREFUSED" in attempts[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
