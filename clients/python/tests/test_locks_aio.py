"""The asyncio client's lock operations against a real server."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

import pytest

import baton
import baton.aio


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(main(), 60))


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def test_async_with_holds_and_releases(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url, owner="aio-test") as client:
            async with client.lock(name, ttl=30) as lease:
                state = await client.describe(name)
                assert [h.owner for h in state.holders] == ["aio-test"] and state.holders[0].fencing == lease.fencing
                assert await client.try_lock(name) is None
            assert (await client.describe(name)).holders == []
            assert lease.released

    run(main)


def test_cancelled_waiter_leaves_the_queue(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url) as a, baton.aio.Client(url) as b:
            held = await a.acquire(name)
            waiting = asyncio.ensure_future(b.acquire(name))

            async def queued() -> bool:
                return len((await a.describe(name)).waiters) == 1

            await until(queued)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting

            async def empty() -> bool:
                return (await a.describe(name)).waiters == []

            await until(empty)
            await a.release(held)
            # Nothing was granted to the cancelled waiter: the lock is free.
            assert (await a.describe(name)).holders == []

    run(main)


def test_wait_for_timeout_leaves_the_queue(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url) as a, baton.aio.Client(url) as b:
            held = await a.acquire(name)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(b.acquire(name), 0.3)

            async def empty() -> bool:
                return (await a.describe(name)).waiters == []

            await until(empty)
            with pytest.raises(baton.WaitTimeout):
                await b.acquire(name, timeout=0.2)
            assert (await a.describe(name)).waiters == []
            await a.release(held)

    run(main)


def test_a_grant_that_crosses_the_cancel_is_given_back(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url) as a, baton.aio.Client(url) as b:
            for _ in range(20):
                held = await a.acquire(name)
                waiting = asyncio.ensure_future(b.acquire(name))
                await asyncio.sleep(0.01)
                # Release and cancel at once: the grant and the cancel cross on the wire.
                await asyncio.gather(a.release(held), _cancel(waiting))
                if waiting.done() and not waiting.cancelled() and waiting.exception() is None:
                    await b.release(waiting.result())

                async def free() -> bool:
                    state = await a.describe(name)
                    return state.holders == [] and state.waiters == []

                await until(free)

    run(main)


async def _cancel(task: "asyncio.Future[baton.Lease]") -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def test_semaphore_admits_limit_holders(url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(url) as client:
            leases = [await client.try_lock(name, limit=3) for _ in range(3)]
            assert all(lease is not None for lease in leases)
            assert await client.try_lock(name, limit=3) is None
            state = await client.describe(name)
            assert state.limit == 3 and len(state.holders) == 3
            first = leases[0]
            assert first is not None
            await client.release(first)
            fourth = await client.try_lock(name, limit=3)
            assert fourth is not None
            for lease in [*leases[1:], fourth]:
                assert lease is not None
                await client.release(lease)

    run(main)


def test_a_client_belongs_to_the_loop_that_first_used_it(url: str, name: str) -> None:
    client = baton.aio.Client(url)

    async def use() -> None:
        await client.describe(name)

    asyncio.run(use())
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(use())
