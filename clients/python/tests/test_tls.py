"""https:// URLs: TLS with a custom CA, and mutual TLS with a client certificate, through a TLS
terminator in front of the server (baton serve itself speaks h2c)."""

from __future__ import annotations

import os
import shutil
from typing import Callable

import pytest

import baton
from tcp_proxy import TcpProxy
from tls_certs import Certificates

@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    if shutil.which("openssl") is None:
        if os.environ.get("BATON_REQUIRE_PYTHON") == "1":
            pytest.fail("BATON_REQUIRE_PYTHON=1 but the openssl command is missing")
        pytest.skip("needs the openssl command to make certificates")
    return Certificates(str(tmp_path_factory.mktemp("certs")))


def test_tls_with_a_custom_ca(certs: Certificates, proxy: Callable[..., TcpProxy], name: str) -> None:
    p = proxy(tls=certs.server_context())
    with open(certs.path("ca.pem"), "rb") as f:
        ca = f.read()
    with baton.Client(p.url, ca=ca) as client:
        with client.lock(name) as lease:
            assert client.describe(name).holders[0].fencing == lease.fencing


def test_tls_refuses_a_server_it_cannot_verify(certs: Certificates, proxy: Callable[..., TcpProxy], name: str) -> None:
    p = proxy(tls=certs.server_context())
    with baton.Client(p.url) as client:  # system roots do not know the test CA
        with pytest.raises(baton.Unavailable):
            client.describe(name)


def test_mutual_tls(certs: Certificates, proxy: Callable[..., TcpProxy], name: str) -> None:
    p = proxy(tls=certs.server_context(require_client_cert=True))
    with baton.Client(p.url, ca=certs.path("ca.pem"), cert=certs.path("client.pem"), key=certs.path("client.key")) as client:
        assert client.try_lock(name) is not None
    with baton.Client(p.url, ca=certs.path("ca.pem")) as anonymous:
        with pytest.raises(baton.Unavailable):
            anonymous.describe(name)


def test_tls_options_need_an_https_url(url: str, certs: Certificates) -> None:
    with pytest.raises(ValueError):
        baton.Client(url, ca=certs.path("ca.pem"))
    with pytest.raises(ValueError):
        baton.Client("https://127.0.0.1:1", cert=certs.path("client.pem"))
    with pytest.raises(ValueError):
        baton.Client("127.0.0.1:7070")
