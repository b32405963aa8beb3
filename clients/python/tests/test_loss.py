"""Losing a lease, and making the loss visible: released through another client, the session
closed, the process killed or paused, the network dead or cut."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Callable, List, Tuple

import pytest

import baton
import baton.aio
from tcp_proxy import TcpProxy

PACKAGE_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def until(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_sync_with_sees_loss_when_another_client_releases(url: str, name: str) -> None:
    with baton.Client(url) as a, baton.Client(url) as b:
        lost: List[baton.Lease] = []
        with pytest.raises(baton.LeaseLost) as caught:
            with a.lock(name, on_lost=lost.append) as lease:
                b.release(lease)  # by its token, through another client's session
                until(lambda: lease.lost)
        assert lost == [lease] and caught.value.lease is lease and caught.value.reason == "LEASE_LOST"
        assert b.try_lock(name) is not None


def test_an_exception_from_the_block_wins_over_the_loss(url: str, name: str) -> None:
    with baton.Client(url) as a, baton.Client(url) as b:
        with pytest.raises(KeyError):
            with a.lock(name) as lease:
                b.release(lease)
                until(lambda: lease.lost)
                raise KeyError("the block's own error")


def test_asyncio_block_is_cancelled_on_loss(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url) as a, baton.aio.Client(url) as b:
            reached = False
            lost: List[baton.Lease] = []
            with pytest.raises(baton.LeaseLost):
                async with a.lock(name, on_lost=lost.append) as lease:
                    await b.release(lease)
                    await asyncio.sleep(30)  # the loss cancels this
                    reached = True
            assert not reached and lost == [lease] and lease.lost
            # The cancellation was the lock's own: the task goes on normally.
            await asyncio.sleep(0.01)
            assert await b.try_lock(name) is not None

    asyncio.run(asyncio.wait_for(main(), 20))


def test_asyncio_cancellation_from_outside_still_cancels_and_releases(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url) as a:
            entered = asyncio.Event()

            async def hold() -> None:
                async with a.lock(name):
                    entered.set()
                    await asyncio.sleep(30)

            task = asyncio.ensure_future(hold())
            await entered.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert (await a.describe(name)).holders == []

    asyncio.run(asyncio.wait_for(main(), 20))


def test_closing_the_client_releases_its_leases_at_once(url: str, name: str) -> None:
    with baton.Client(url) as b:
        a = baton.Client(url)
        lease = a.acquire(name, ttl=60)
        queued = baton.Client(url)
        a.close()
        # No wait: closing the session gave the permit back, not the TTL.
        assert b.try_lock(name) is not None
        assert lease.lost
        queued.close()

    async def main() -> None:
        async with baton.aio.Client(url) as b:
            a = baton.aio.Client(url)
            await a.acquire(f"{name}/aio", ttl=60)
            await a.close()
            assert await b.try_lock(f"{name}/aio") is not None

    asyncio.run(asyncio.wait_for(main(), 20))


def _holder(url: str, name: str, ttl: float) -> "subprocess.Popen[str]":
    env = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    return subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "holder_process.py"), url, name, str(ttl)], stdout=subprocess.PIPE, text=True, env=env)


def _read_line(process: "subprocess.Popen[str]", timeout: float = 20) -> str:
    assert process.stdout is not None
    result: List[str] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    assert result, "the holder process said nothing in time"
    return result[0].strip()


def test_a_killed_client_loses_its_leases_after_the_session_ttl(url: str, name: str) -> None:
    holder = _holder(url, name, 1.0)
    try:
        line = _read_line(holder)
        assert line.startswith("locked ")
        fencing = int(line.split()[1])
        with baton.Client(url) as client:
            assert [h.owner for h in client.describe(name).holders] == ["holder-process"]
            holder.send_signal(signal.SIGKILL)
            holder.wait(10)
            lease = client.acquire(name, timeout=15)
            assert lease.fencing > fencing
    finally:
        holder.kill()
        holder.wait(10)


def test_a_stopped_process_learns_of_the_loss_and_never_overlaps_the_next_holder(url: str, name: str) -> None:
    """SIGSTOP pauses the holder beyond its session TTL; another client gets the lock meanwhile.
    The holder's conservative deadline must lie before that grant, and it reports the loss once
    it runs again."""
    holder = _holder(url, name, 1.0)
    try:
        assert _read_line(holder).startswith("locked ")
        with baton.Client(url) as client:
            holder.send_signal(signal.SIGSTOP)
            client.acquire(name, timeout=15)
            granted_at = time.monotonic()
            holder.send_signal(signal.SIGCONT)
            line = _read_line(holder)
            assert line.startswith("lost "), line
            deadline = float(line.split()[1])
            assert deadline <= granted_at
    finally:
        holder.kill()
        holder.wait(10)


def test_a_paused_event_loop_loses_the_lease_and_cancels_the_block(url: str, name: str) -> None:
    """A blocking call on the loop pauses the asyncio client (no pings, no reads) beyond its TTL."""
    granted: List[Tuple[baton.Lease, float]] = []

    async def main() -> None:
        with baton.Client(url) as other:
            async with baton.aio.Client(url, session_ttl=1.0) as client:
                with pytest.raises(baton.LeaseLost):
                    async with client.lock(name) as lease:
                        waiter = threading.Thread(target=lambda: granted.append((other.acquire(name, timeout=15), time.monotonic())))
                        waiter.start()
                        until(lambda: len(other.describe(name).waiters) == 1)
                        time.sleep(3)  # the pause: this loop runs nothing meanwhile
                        assert lease.lost  # known at once, before any callback could run
                        await asyncio.sleep(10)  # cancelled by the loss
                waiter.join(15)
                assert granted
                keeper = lease._keeper
                assert keeper is not None and keeper.alive_until <= granted[0][1]

    asyncio.run(asyncio.wait_for(main(), 40))


def test_a_grant_that_arrives_after_the_deadline_is_not_handed_out(url: str, name: str) -> None:
    async def main() -> None:
        with baton.Client(url) as other:
            held = other.acquire(name)
            async with baton.aio.Client(url, session_ttl=1.0) as client:
                waiting = asyncio.ensure_future(client.acquire(name))
                while len((await client.describe(name)).waiters) != 1:
                    await asyncio.sleep(0.02)
                # Grant it while this loop is paused, then stay paused past the session's TTL.
                threading.Timer(0.2, lambda: other.release(held)).start()
                time.sleep(3)
                with pytest.raises((baton.LeaseLost, baton.Unavailable)):
                    await waiting
                # Whatever the server granted went back: the lock becomes free.
                until(lambda: other.describe(name).holders == [])

    asyncio.run(asyncio.wait_for(main(), 40))


def test_a_dead_network_loses_the_lease_before_anyone_else_can_have_it(url: str, name: str, proxy: Callable[..., TcpProxy]) -> None:
    p = proxy()
    lost_at: List[float] = []
    with baton.Client(p.url, session_ttl=1.0) as holder, baton.Client(url) as other:
        lease = holder.acquire(name, on_lost=lambda _: lost_at.append(time.monotonic()))
        p.freeze()
        other.acquire(name, timeout=15)
        granted_at = time.monotonic()
        until(lambda: bool(lost_at))
        assert lease.lost
        keeper = lease._keeper
        assert keeper is not None and keeper.alive_until <= granted_at
        p.thaw()
        # The client goes on with a new session.
        assert holder.try_lock(f"{name}/after") is not None


def test_a_cut_connection_reconnects_and_keeps_the_lease(url: str, name: str, proxy: Callable[..., TcpProxy]) -> None:
    p = proxy()
    with baton.Client(p.url, session_ttl=3.0) as holder, baton.Client(url) as other:
        lost: List[baton.Lease] = []
        lease = holder.acquire(name, on_lost=lost.append)
        first_keeper = lease._keeper
        p.cut()
        until(lambda: lease._keeper is not first_keeper or lease.lost)
        assert not lease.lost and lost == []
        assert p.connections >= 2
        assert other.try_lock(name) is None
        time.sleep(3.5)  # past the old session's TTL: the lease lives on the new session
        assert not lease.lost
        assert [h.fencing for h in other.describe(name).holders] == [lease.fencing]
        assert holder.release(lease) == lease.fencing


def test_a_cut_connection_that_cannot_reconnect_loses_the_lease(url: str, name: str, proxy: Callable[..., TcpProxy]) -> None:
    p = proxy()
    with baton.Client(p.url, session_ttl=1.0) as holder, baton.Client(url) as other:
        lost: List[baton.Lease] = []
        lease = holder.acquire(name, on_lost=lost.append)
        p.refuse()
        p.cut()
        until(lambda: bool(lost))
        assert lease.lost
        other.acquire(name, timeout=15)
        p.refuse(False)
        # Like any gRPC call, the next ones fail fast (Unavailable) until the channel reconnects.
        until(lambda: _try_lock_works(holder, f"{name}/after"))


def _try_lock_works(client: baton.Client, name: str) -> bool:
    try:
        return client.try_lock(name) is not None
    except baton.Unavailable:
        return False


def test_a_grant_adopted_just_after_the_stream_broke_is_taken_over(url: str, name: str, proxy: Callable[..., TcpProxy]) -> None:
    """The race where a grant's answer is read just before the stream breaks, and the acquire
    resumes (and adopts the lease) only after the break was handled."""
    p = proxy()

    async def main() -> None:
        async with baton.aio.Client(p.url, session_ttl=3.0) as client:
            lease = await client.acquire(name)
            stream = lease._keeper
            session = client._session
            assert session is not None and stream is not None
            # Undo the adoption, as if the acquire had not resumed yet.
            del session._leases[lease.token]
            stream.forget(lease)  # type: ignore[attr-defined]
            lease._keeper = None
            p.cut()
            while not stream.broken:  # type: ignore[attr-defined]
                await asyncio.sleep(0.01)
            session._move(lease, stream, 10_000)  # type: ignore[arg-type]
            while lease._keeper is stream and not lease.lost:
                await asyncio.sleep(0.02)
            assert not lease.lost
            await asyncio.sleep(3.5)  # past the broken session's TTL
            assert not lease.lost
            assert await client.release(lease) == lease.fencing

    asyncio.run(asyncio.wait_for(main(), 30))
