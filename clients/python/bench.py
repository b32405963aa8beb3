#!/usr/bin/env python3
"""Uncontended lock throughput of the Python client: C workers, each looping acquire → release on
its own lock for N seconds; prints one JSON line with cycles/s and the p50/p99 cycle latency.

    bench.py URL [--concurrency C] [--seconds N] [--mode aio|sync] [--shared]

`aio` (default) runs C asyncio tasks, `sync` C threads. Each worker has its own client (its own
connection and session, as the TypeScript bench's clients do) unless `--shared` gives them one.
Figures, never pass/fail; one warm-up cycle per worker is not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import threading
import time
from typing import List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import baton  # noqa: E402
import baton.aio  # noqa: E402


def percentile(sorted_ms: List[float], p: float) -> float:
    """The p-th percentile (nearest rank) of sorted latencies."""
    if not sorted_ms:
        return float("nan")
    rank = max(0, min(len(sorted_ms) - 1, math.ceil(p / 100 * len(sorted_ms)) - 1))
    return sorted_ms[rank]


async def run_aio(url: str, concurrency: int, seconds: float, shared: bool) -> List[float]:
    """Latencies (ms) of every cycle of C asyncio workers."""
    count = 1 if shared else concurrency
    clients = [baton.aio.Client(url, owner=f"bench-py-{i}") for i in range(count)]
    latencies: List[float] = []
    try:

        async def worker(i: int, until: float) -> None:
            client, name = clients[i % count], f"bench/py-own-{i}"
            while time.monotonic() < until:
                start = time.perf_counter()
                await client.release(await client.acquire(name, timeout=0))
                latencies.append((time.perf_counter() - start) * 1000)

        async def warm_up(i: int) -> None:  # connects and opens the session; not measured
            client = clients[i % count]
            await client.release(await client.acquire(f"bench/py-own-{i}", timeout=0))

        await asyncio.gather(*(warm_up(i) for i in range(concurrency)))
        until = time.monotonic() + seconds
        await asyncio.gather(*(worker(i, until) for i in range(concurrency)))
    finally:
        for client in clients:
            await client.close()
    return latencies


def run_sync(url: str, concurrency: int, seconds: float, shared: bool) -> List[float]:
    """Latencies (ms) of every cycle of C threads."""
    count = 1 if shared else concurrency
    clients = [baton.Client(url, owner=f"bench-py-{i}") for i in range(count)]
    latencies: List[float] = []
    guard = threading.Lock()
    try:
        for i in range(concurrency):
            client = clients[i % count]
            client.release(client.acquire(f"bench/py-own-{i}", timeout=0))
        until = time.monotonic() + seconds

        def worker(i: int) -> None:
            client, name, mine = clients[i % count], f"bench/py-own-{i}", []
            while time.monotonic() < until:
                start = time.perf_counter()
                client.release(client.acquire(name, timeout=0))
                mine.append((time.perf_counter() - start) * 1000)
            with guard:
                latencies.extend(mine)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for client in clients:
            client.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--concurrency", "-c", type=int, default=1)
    parser.add_argument("--seconds", "-s", type=float, default=5.0)
    parser.add_argument("--mode", choices=["aio", "sync"], default="aio")
    parser.add_argument("--shared", action="store_true", help="one client for all workers")
    args = parser.parse_args()
    if args.mode == "aio":
        latencies = asyncio.run(run_aio(args.url, args.concurrency, args.seconds, args.shared))
    else:
        latencies = run_sync(args.url, args.concurrency, args.seconds, args.shared)
    latencies.sort()
    print(json.dumps({
        "client": f"python-{args.mode}",
        "clients": 1 if args.shared else args.concurrency,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "cycles": len(latencies),
        "cyclesPerS": round(len(latencies) / args.seconds, 1),
        "p50Ms": round(percentile(latencies, 50), 3),
        "p99Ms": round(percentile(latencies, 99), 3),
        "python": sys.version.split()[0],
        "grpcio": __import__("grpc").__version__,
    }))


if __name__ == "__main__":
    main()
