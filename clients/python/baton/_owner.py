"""The owner a client names when the caller names none: user@host:pid."""

from __future__ import annotations

import getpass
import os
import socket


def default_owner() -> str:
    """`user@host:pid`, so that `describe` shows who holds a lock and from where."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"{user}@{socket.gethostname()}:{os.getpid()}"
