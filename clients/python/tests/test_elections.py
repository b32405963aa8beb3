"""Elections, shared (reader) locks and weighted permits against a real server, with checkers."""

from __future__ import annotations

import threading
import time
from typing import List, Optional

import pytest

import baton


def test_campaign_observe_proclaim_resign(url: str, name: str) -> None:
    with baton.Client(url, owner="a") as a, baton.Client(url, owner="b") as b:
        assert a.leader(name) is None
        seen: List[Optional[baton.Leader]] = []
        watching = b.observe(name)
        seen.append(next(watching))
        assert seen == [None]
        lead = a.campaign(name, "a:80")
        assert lead.value == "a:80" and lead.permits == 1 and not lead.shared
        got: List[baton.Lease] = []
        waiter = threading.Thread(target=lambda: got.append(b.campaign(name, "b:80")))
        waiter.start()
        deadline = time.monotonic() + 10
        while not a.describe(name).waiters:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        leader = a.proclaim(lead, "a:81")
        assert (leader.owner, leader.value, leader.term) == ("a", "a:81", lead.fencing)
        assert a.resign(lead) == lead.fencing
        waiter.join(10)
        assert got and got[0].fencing > lead.fencing
        while True:
            current = next(watching)
            if current is not None and current.owner == "b":
                break
        assert current.term == got[0].fencing and current.value == "b:80"
        with pytest.raises(baton.NotHeld):
            a.proclaim(lead, "stale")
        b.resign(got[0])
        assert next(watching) is None
        watching.close()  # type: ignore[attr-defined]


def test_leader_death_hands_over(url: str, name: str) -> None:
    doomed = baton.Client(url, owner="doomed")
    with baton.Client(url, owner="next") as nxt:
        first = doomed.campaign(name, "d")
        got: List[baton.Lease] = []
        waiter = threading.Thread(target=lambda: got.append(nxt.campaign(name, "n")))
        waiter.start()
        deadline = time.monotonic() + 10
        while not nxt.describe(name).waiters:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        doomed.close()  # the leader's process goes: its session ends, and its leadership
        waiter.join(20)
        assert got and got[0].fencing > first.fencing
        leader = nxt.leader(name)
        assert leader is not None and leader.owner == "next"


def test_readers_and_writers_never_overlap_and_permits_never_exceed_the_limit(url: str, name: str) -> None:
    lock = threading.Lock()
    state = {"readers": 0, "writers": 0, "held": 0, "max_readers": 0}
    errors: List[str] = []

    def worker(i: int) -> None:
        with baton.Client(url) as client:
            for r in range(8):
                shared = (i + r) % 3 != 0
                with client.lock(name + "-rw", shared=shared) as lease:
                    with lock:
                        if shared:
                            state["readers"] += 1
                            state["max_readers"] = max(state["max_readers"], state["readers"])
                            if state["writers"]:
                                errors.append("a reader beside a writer")
                        else:
                            state["writers"] += 1
                            if state["writers"] > 1 or state["readers"]:
                                errors.append("a writer beside another holder")
                    assert lease.shared == shared
                    time.sleep(0.001)
                    with lock:
                        state["readers" if shared else "writers"] -= 1
                k = 1 + (i + r) % 4
                with client.lock(name + "-sem", limit=4, permits=k) as lease:
                    assert lease.permits == k
                    with lock:
                        state["held"] += k
                        if state["held"] > 4:
                            errors.append(f"{state['held']} permits held of 4")
                    time.sleep(0.001)
                    with lock:
                        state["held"] -= k

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with baton.Client(url) as client:
        with pytest.raises(baton.InvalidArgument):
            client.acquire(name + "-sem", permits=5)
