"""API keys against a server with keys configured: refused without one, let in with `api_key=` or
`BATON_KEY` (unary calls, the Session stream, watch streams), denied outside a key's prefixes."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from pathlib import Path
from typing import Callable, Iterator, Tuple

import pytest

import baton
import baton.aio
from server_process import BatonServer


def new_key() -> Tuple[str, str]:
    """A key the way `baton key new` makes one, and the SHA-256 the config file holds."""
    key = "baton_" + secrets.token_urlsafe(32)
    return key, hashlib.sha256(key.encode()).hexdigest()


FULL, FULL_SHA = new_key()
NARROW, NARROW_SHA = new_key()


@pytest.fixture(scope="module")
def keyed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of this module's own, with a full key and one limited to locks under allowed/."""
    config = Path(tmp_path_factory.mktemp("keys")) / "baton.yaml"
    config.write_text(
        "keys:\n"
        f"  - name: py-full\n    sha256: {FULL_SHA}\n    actions: [acquire, read, signal, arrive, probe, admin]\n"
        f"  - name: py-narrow\n    sha256: {NARROW_SHA}\n    actions: [acquire, read]\n    locks: [\"allowed/\"]\n"
    )
    server = BatonServer(["--config", str(config)])
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BATON_KEY", raising=False)


def acquire_and_release(client: baton.Client, name: str) -> None:
    lease = client.acquire(name, timeout=10)
    assert [h.fencing for h in client.describe(name).holders] == [lease.fencing]
    client.release(lease)
    assert client.describe(name).holders == []


def test_without_a_key_calls_are_unauthenticated(keyed_url: str, name: str) -> None:
    with baton.Client(keyed_url) as client:
        with pytest.raises(baton.Unauthenticated):
            client.describe(name)  # unary
        with pytest.raises(baton.Unauthenticated):
            client.try_lock(name)  # the Session stream


def test_an_unknown_key_is_unauthenticated_and_not_echoed(keyed_url: str, name: str) -> None:
    wrong, _ = new_key()
    with baton.Client(keyed_url, api_key=wrong) as client:
        with pytest.raises(baton.Unauthenticated) as refused:
            client.describe(name)
    assert wrong not in str(refused.value)


def test_api_key_lets_the_client_in(keyed_url: str, name: str) -> None:
    with baton.Client(keyed_url, api_key=FULL) as client:
        acquire_and_release(client, name)
        assert client.signal("py/" + name).signal.key == "py/" + name


def test_baton_key_is_the_default(keyed_url: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATON_KEY", FULL)
    with baton.Client(keyed_url) as client:
        acquire_and_release(client, name)
    with baton.Client(keyed_url, api_key="") as keyless:  # "" overrides the variable
        with pytest.raises(baton.Unauthenticated):
            keyless.describe(name)


def test_a_watch_stream_carries_the_key(keyed_url: str, name: str) -> None:
    with baton.Client(keyed_url, api_key=FULL) as client:
        events = client.watch(name, initial=True)
        first = next(events)
        assert first.lock.name == name


def test_a_prefix_key_is_denied_outside_its_prefix(keyed_url: str) -> None:
    with baton.Client(keyed_url, api_key=NARROW) as client:
        acquire_and_release(client, "allowed/py-" + secrets.token_hex(4))
        with pytest.raises(baton.PermissionDenied) as denied:
            client.try_lock("elsewhere/py")
        assert "allowed/" in str(denied.value)
        with pytest.raises(baton.PermissionDenied):
            client.describe("elsewhere/py")


def test_the_asyncio_client_sends_the_key(keyed_url: str, name: str) -> None:
    async def main() -> None:
        async with baton.aio.Client(keyed_url, api_key=FULL) as client:
            lease = await client.acquire(name, timeout=10)
            assert (await client.describe(name)).holders[0].fencing == lease.fencing
            await client.release(lease)
        async with baton.aio.Client(keyed_url) as keyless:
            with pytest.raises(baton.Unauthenticated):
                await keyless.describe(name)
        async with baton.aio.Client(keyed_url, api_key=NARROW) as narrow:
            with pytest.raises(baton.PermissionDenied):
                await narrow.try_lock("elsewhere/py-aio")

    asyncio.run(asyncio.wait_for(main(), 60))


@pytest.mark.parametrize("bad", ["baton_abc\n", " baton_abc", "baton_a b", "baton_é"])
def test_a_malformed_key_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(ValueError) as refused:
        baton.Client("http://127.0.0.1:1", api_key=bad)
    assert "abc" not in str(refused.value) and "baton_a" not in str(refused.value)


def test_the_key_does_not_show_in_repr() -> None:
    from baton._api_key import api_key_interceptors

    interceptors = api_key_interceptors(FULL)
    assert len(interceptors) == 4 and all(FULL not in repr(i) for i in interceptors)
