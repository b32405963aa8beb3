"""A throwaway CA with a server certificate (127.0.0.1, localhost) and a client certificate, made
with the openssl command line."""

from __future__ import annotations

import os
import ssl
import subprocess
from typing import Optional


class Certificates:
    """PEM files in `directory`: ca.pem, server.pem/server.key, client.pem/client.key."""

    def __init__(self, directory: str) -> None:
        self.dir = directory
        self._openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=baton-test-ca", "-keyout", "ca.key", "-out", "ca.pem",
                      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self._leaf("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        self._leaf("client", "extendedKeyUsage=clientAuth\n")

    def path(self, file: str) -> str:
        """The path of one of the PEM files."""
        return os.path.join(self.dir, file)

    def server_context(self, require_client_cert: bool = False) -> ssl.SSLContext:
        """A TLS server context speaking HTTP/2 (ALPN h2), optionally demanding a client certificate."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.path("server.pem"), self.path("server.key"))
        ctx.set_alpn_protocols(["h2"])
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.path("ca.pem"))
        return ctx

    def _leaf(self, name: str, extensions: str) -> None:
        ext = self.path(f"{name}.ext")
        with open(ext, "w") as f:
            f.write(extensions)
        self._openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=baton-test-{name}", "-keyout", f"{name}.key", "-out", f"{name}.csr")
        self._openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", "-extfile", ext)

    def _openssl(self, *args: str, stdin: Optional[str] = None) -> None:
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True, text=True, input=stdin)
