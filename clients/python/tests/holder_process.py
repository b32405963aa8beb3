"""A client process for the tests: takes a lock, reports on stdout, and holds it until killed.

Usage: holder_process.py URL NAME SESSION_TTL. Prints `locked FENCING` once it holds the lock, then
`lost DEADLINE NOW` when the lease is lost (DEADLINE: the client's liveness deadline when the loss
was signalled; NOW: time.monotonic() then; both on CLOCK_MONOTONIC, shared by the machine's processes).
"""

from __future__ import annotations

import sys
import time

import baton


def main() -> None:
    url, name, ttl = sys.argv[1], sys.argv[2], float(sys.argv[3])
    client = baton.Client(url, owner="holder-process", session_ttl=ttl)

    def on_lost(lease: baton.Lease) -> None:
        deadline = lease._keeper.alive_until if lease._keeper is not None else float("nan")
        print(f"lost {deadline!r} {time.monotonic()!r}", flush=True)

    lease = client.acquire(name, on_lost=on_lost)
    print(f"locked {lease.fencing}", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
