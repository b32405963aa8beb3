"""The client's one gRPC channel: h2c for http:// URLs, TLS for https:// (custom CA, mutual TLS), with the API key."""

from __future__ import annotations

import os
from typing import List, Optional, Tuple, Union
from urllib.parse import urlsplit

import grpc

from ._api_key import api_key_interceptors, resolve_api_key

#: PEM data, or the path of a PEM file.
PemSource = Union[bytes, str, "os.PathLike[str]"]

_OPTIONS: List[Tuple[str, int]] = [
    # One connection per client, as the other Baton clients have; grpc would otherwise share one
    # between every channel of the process with the same target.
    ("grpc.use_local_subchannel_pool", 1),
    # A session must be back within its TTL after a connection breaks: retry connecting quickly.
    # (Not grpc.min_reconnect_backoff_ms: grpc also takes it as the time a connection attempt may
    # take, and a busy server needs more than a fraction of a second to accept many at once.)
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
]


class Target:
    """Where and how to connect: a host:port and whether it takes TLS, from the client's URL."""

    def __init__(self, url: str, *, ca: Optional[PemSource] = None, cert: Optional[PemSource] = None, key: Optional[PemSource] = None, api_key: Optional[str] = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the server's URL must look like http://host:port or https://host:port (got {url!r})")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"the server's URL must have no path, query or fragment (got {url!r})")
        self.secure = parts.scheme == "https"
        host = parts.hostname
        port = parts.port or (443 if self.secure else 80)
        self.address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if (cert is None) != (key is None):
            raise ValueError("mutual TLS needs both cert and key")
        if not self.secure and (ca is not None or cert is not None):
            raise ValueError("ca, cert and key need an https:// URL")
        self._ca = _read_pem(ca)
        self._cert = _read_pem(cert)
        self._key = _read_pem(key)
        self._interceptors = api_key_interceptors(resolve_api_key(api_key))

    def aio_channel(self) -> grpc.aio.Channel:
        """A new asyncio channel to the server; call it on the event loop that will use it."""
        if not self.secure:
            return grpc.aio.insecure_channel(self.address, options=_OPTIONS, interceptors=self._interceptors)
        credentials = grpc.ssl_channel_credentials(root_certificates=self._ca, private_key=self._key, certificate_chain=self._cert)
        return grpc.aio.secure_channel(self.address, credentials, options=_OPTIONS, interceptors=self._interceptors)


def _read_pem(source: Optional[PemSource]) -> Optional[bytes]:
    if source is None:
        return None
    if isinstance(source, bytes):
        return source
    if isinstance(source, str) and source.lstrip().startswith("-----BEGIN"):
        return source.encode()
    with open(source, "rb") as f:
        return f.read()
