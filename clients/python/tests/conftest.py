"""Fixtures: the real server every test talks to, servers with special settings, unique names."""

from __future__ import annotations

import os
import uuid
from typing import Callable, Iterator, List

import pytest

from server_process import BatonServer
from tcp_proxy import TcpProxy


@pytest.fixture(scope="session")
def url() -> Iterator[str]:
    """The server of the run: BATON_URL (test.sh starts one), else one started here."""
    given = os.environ.get("BATON_URL")
    if given:
        yield given
        return
    server = BatonServer()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A lock or key name no other test uses."""
    return f"py/{request.node.name[:60]}/{uuid.uuid4().hex[:8]}".replace("[", "-").replace("]", "")


@pytest.fixture
def start_server() -> Iterator[Callable[..., BatonServer]]:
    """Starts a server with extra `baton serve` flags; stopped after the test."""
    servers: List[BatonServer] = []

    def start(*flags: str) -> BatonServer:
        server = BatonServer(list(flags))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def proxy(url: str) -> Iterator[Callable[..., TcpProxy]]:
    """Makes TCP proxies to the server (freeze, cut, refuse); closed after the test."""
    proxies: List[TcpProxy] = []

    def make(target: str = url, **options: object) -> TcpProxy:
        p = TcpProxy(target, **options)  # type: ignore[arg-type]
        proxies.append(p)
        return p

    yield make
    for p in proxies:
        p.close()
