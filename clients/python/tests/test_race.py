"""Many lockers on one lock, threads and asyncio tasks, with a checker: no two holders overlap,
fencing strictly increases in grant order, a semaphore never admits more than its limit, and
nobody is left stuck."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import List

import baton
import baton.aio
from checkers import ExclusionChecker

ROUNDS = 15


def test_threads_on_one_lock(url: str, name: str) -> None:
    checker = ExclusionChecker()
    errors: List[BaseException] = []
    clients = [baton.Client(url, owner=f"thread-{i}") for i in range(4)]

    def worker(client: baton.Client) -> None:
        try:
            for _ in range(ROUNDS):
                with client.lock(name, timeout=30) as lease:
                    checker.enter(lease.fencing)
                    time.sleep(0.001)  # let an overlapping holder show
                    checker.leave()
        except BaseException as e:  # reported below
            errors.append(e)

    # Two threads per client: a client is shared by threads, and clients compete with each other.
    threads = [threading.Thread(target=worker, args=(clients[i % 4],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert errors == []
        assert checker.violations == []
        assert checker.entries == 8 * ROUNDS
        state = clients[0].describe(name)
        assert state.holders == [] and state.waiters == []
    finally:
        for c in clients:
            c.close()


def test_asyncio_tasks_on_one_lock(url: str, name: str) -> None:
    checker = ExclusionChecker()

    async def main() -> None:
        clients = [baton.aio.Client(url, owner=f"task-{i}") for i in range(4)]
        try:

            async def worker(client: baton.aio.Client) -> None:
                for _ in range(ROUNDS):
                    async with client.lock(name, timeout=30) as lease:
                        checker.enter(lease.fencing)
                        await asyncio.sleep(0)  # hand the loop to the others while holding
                        await asyncio.sleep(0.001)
                        checker.leave()

            await asyncio.gather(*(worker(clients[i % 4]) for i in range(12)))
            state = await clients[0].describe(name)
            assert state.holders == [] and state.waiters == []
        finally:
            for c in clients:
                await c.close()

    asyncio.run(asyncio.wait_for(main(), 120))
    assert checker.violations == []
    assert checker.entries == 12 * ROUNDS


def test_threads_and_tasks_together(url: str, name: str) -> None:
    """A sync client's threads and an asyncio client's tasks compete for the same lock."""
    checker = ExclusionChecker()
    errors: List[BaseException] = []

    def threads_side() -> None:
        with baton.Client(url, owner="threads") as client:

            def worker() -> None:
                try:
                    for _ in range(ROUNDS):
                        with client.lock(name, timeout=30) as lease:
                            checker.enter(lease.fencing)
                            time.sleep(0.001)
                            checker.leave()
                except BaseException as e:
                    errors.append(e)

            ts = [threading.Thread(target=worker) for _ in range(3)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(120)

    async def tasks_side() -> None:
        async with baton.aio.Client(url, owner="tasks") as client:

            async def worker() -> None:
                for _ in range(ROUNDS):
                    async with client.lock(name, timeout=30) as lease:
                        checker.enter(lease.fencing)
                        await asyncio.sleep(0.001)
                        checker.leave()

            await asyncio.gather(*(worker() for _ in range(3)))

    side = threading.Thread(target=threads_side)
    side.start()
    asyncio.run(asyncio.wait_for(tasks_side(), 120))
    side.join(120)
    assert errors == []
    assert checker.violations == []
    assert checker.entries == 6 * ROUNDS


def test_semaphore_never_admits_more_than_its_limit(url: str, name: str) -> None:
    checker = ExclusionChecker(limit=3)

    async def main() -> None:
        clients = [baton.aio.Client(url) for _ in range(3)]
        try:

            async def worker(client: baton.aio.Client) -> None:
                for _ in range(ROUNDS):
                    async with client.lock(name, limit=3, timeout=30) as lease:
                        checker.enter(lease.fencing)
                        await asyncio.sleep(0.002)
                        checker.leave()

            await asyncio.gather(*(worker(clients[i % 3]) for i in range(9)))
            state = await clients[0].describe(name)
            assert state.holders == [] and state.waiters == []
        finally:
            for c in clients:
                await c.close()

    asyncio.run(asyncio.wait_for(main(), 120))
    assert checker.violations == []
    assert checker.entries == 9 * ROUNDS


def test_the_checker_sees_overlaps_and_fencing_out_of_order() -> None:
    checker = ExclusionChecker()
    checker.enter(5)
    checker.enter(6)
    checker.leave()
    checker.leave()
    checker.enter(4)
    assert len(checker.violations) == 2
