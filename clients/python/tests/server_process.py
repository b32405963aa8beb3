"""Starts `baton serve` from the repository root on a free port, as the tests' real server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from typing import List, Optional

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


class BatonServer:
    """A `baton serve --store memory` process; `url` is where it listens."""

    def __init__(self, flags: Optional[List[str]] = None) -> None:
        node = os.environ.get("NODE", "node")
        args = [node, "bin/baton.js", "serve", "--port", "0", "--store", "memory", *(flags or [])]
        self.process = subprocess.Popen(args, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log: List[str] = []
        self.url = self._wait_for_url()
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_for_url(self) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                raise RuntimeError(f"baton serve exited ({self.process.wait()}): {''.join(self.log)}")
            self.log.append(line)
            match = re.search(r"serving on (http://\S+)", line)
            if match:
                return match.group(1)
        raise RuntimeError("baton serve did not start within 60 s")

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stops the server (SIGTERM: a graceful shutdown) and returns its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
