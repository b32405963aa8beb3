"""The sync client's lock operations against a real server."""

from __future__ import annotations

import threading
import time

import pytest

import baton


def test_lock_block_holds_and_releases(url: str, name: str) -> None:
    with baton.Client(url, owner="sync-test") as client:
        with client.lock(name, ttl=30) as lease:
            assert lease.name == name and lease.owner == "sync-test" and len(lease.token) == 32
            assert abs(lease.ttl - 30) < 1e-9
            state = client.describe(name)
            assert [h.owner for h in state.holders] == ["sync-test"]
            assert state.holders[0].fencing == lease.fencing
            assert not lease.lost
        assert client.describe(name).holders == []
        assert lease.released and not lease.lost


def test_try_lock_returns_none_when_held(url: str, name: str) -> None:
    with baton.Client(url) as a, baton.Client(url) as b:
        lease = a.try_lock(name)
        assert lease is not None
        assert b.try_lock(name) is None
        a.release(lease)
        again = b.try_lock(name)
        assert again is not None and again.fencing > lease.fencing


def test_fencing_grows_with_every_grant(url: str, name: str) -> None:
    with baton.Client(url) as client:
        seen = []
        for _ in range(5):
            with client.lock(name) as lease:
                seen.append(lease.fencing)
                assert client.describe(name).last_fencing == lease.fencing
        assert seen == sorted(seen) and len(set(seen)) == 5


def test_waiter_is_granted_in_order_when_released(url: str, name: str) -> None:
    with baton.Client(url) as a, baton.Client(url) as b, baton.Client(url) as c:
        first = a.acquire(name)
        order = []
        positions = []

        def wait(client: baton.Client, label: str) -> None:
            with client.lock(name, timeout=10, on_queued=positions.append):
                order.append(label)

        tb = threading.Thread(target=wait, args=(b, "b"))
        tb.start()
        _until(lambda: len(a.describe(name).waiters) == 1)
        tc = threading.Thread(target=wait, args=(c, "c"))
        tc.start()
        _until(lambda: len(a.describe(name).waiters) == 2)
        assert [w.position for w in a.describe(name).waiters] == [1, 2]
        a.release(first)
        tb.join(10)
        tc.join(10)
        assert order == ["b", "c"]
        assert positions and positions[0].holders[0].fencing == first.fencing


def test_timeout_raises_wait_timeout_and_leaves_the_queue(url: str, name: str) -> None:
    with baton.Client(url) as a, baton.Client(url) as b:
        held = a.acquire(name)
        with pytest.raises(baton.WaitTimeout) as caught:
            b.acquire(name, timeout=0.3)
        assert caught.value.reason == "WAIT_TIMEOUT"
        assert isinstance(caught.value, TimeoutError)
        assert a.describe(name).waiters == []
        a.release(held)


def test_explicit_refresh_extends_the_lease(url: str, name: str) -> None:
    with baton.Client(url) as client:
        lease = client.acquire(name, ttl=5)
        before = lease.expires_at
        assert before is not None
        time.sleep(0.05)
        assert client.refresh(lease, ttl=60) is lease
        assert lease.expires_at is not None and lease.expires_at > before
        assert abs(lease.ttl - 60) < 1e-9
        assert client.release(lease) == lease.fencing


def test_release_twice_is_not_held(url: str, name: str) -> None:
    with baton.Client(url) as client:
        lease = client.acquire(name)
        client.release(lease)
        with pytest.raises(baton.NotHeld) as caught:
            client.release(lease)
        assert caught.value.reason == "NOT_HELD" and caught.value.metadata.get("name") == name


def test_list_reserve_and_watch(url: str, name: str) -> None:
    with baton.Client(url) as client:
        reserved = client.reserve(f"{name}/r-", limit=2)
        assert reserved.startswith(f"{name}/r-")
        events = client.watch(prefix=f"{name}/", initial=True)
        snapshot = next(events)
        assert snapshot.kind is baton.LockEventKind.SNAPSHOT and snapshot.lock.reserved
        with client.lock(f"{name}/x"):
            assert sorted(s.name for s in client.list(f"{name}/")) == sorted([reserved, f"{name}/x"])
            event = next(events)
            assert event.kind is baton.LockEventKind.GRANTED and event.lock.name == f"{name}/x"
        event = next(events)
        assert event.kind is baton.LockEventKind.RELEASED
        events.close()  # type: ignore[attr-defined]
        assert client.describe(reserved).limit == 2


def test_client_is_usable_from_many_threads(url: str, name: str) -> None:
    with baton.Client(url) as client:
        errors = []

        def work(i: int) -> None:
            try:
                for _ in range(5):
                    with client.lock(f"{name}/{i}"):
                        pass
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []


def _until(condition: "object", timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


CTRL_C_WAITER = """
import sys, time, baton
client = baton.Client(sys.argv[1])
print("waiting", flush=True)
try:
    client.acquire(sys.argv[2])
except KeyboardInterrupt:
    print("interrupted", flush=True)
time.sleep(30)
"""


def test_ctrl_c_while_waiting_leaves_the_queue(url: str, name: str) -> None:
    import os
    import signal
    import subprocess
    import sys

    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    with baton.Client(url) as client:
        client.acquire(name)
        waiter = subprocess.Popen([sys.executable, "-c", CTRL_C_WAITER, url, name], stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=root))
        try:
            assert waiter.stdout is not None and waiter.stdout.readline().strip() == "waiting"
            _until(lambda: len(client.describe(name).waiters) == 1)
            waiter.send_signal(signal.SIGINT)
            assert waiter.stdout.readline().strip() == "interrupted"
            # The process lives on (its session too): the waiter left the queue because it was cancelled.
            _until(lambda: client.describe(name).waiters == [])
            assert waiter.poll() is None
        finally:
            waiter.kill()
            waiter.wait(10)
