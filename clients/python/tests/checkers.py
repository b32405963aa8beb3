"""The race checker: records holders entering and leaving; any overlap or fencing that does not
grow is a violation."""

from __future__ import annotations

import threading
from typing import List


class ExclusionChecker:
    """Counts holders inside a critical section of at most `limit`, and checks fencing order."""

    def __init__(self, limit: int = 1) -> None:
        self.limit = limit
        self._guard = threading.Lock()
        self.inside = 0
        self.max_inside = 0
        self.entries = 0
        self.violations: List[str] = []
        self._last_fencing = 0

    def enter(self, fencing: int) -> None:
        """A holder starts using the resource with this fencing token."""
        with self._guard:
            self.inside += 1
            self.entries += 1
            self.max_inside = max(self.max_inside, self.inside)
            if self.inside > self.limit:
                self.violations.append(f"{self.inside} holders inside at once (limit {self.limit})")
            if self.limit == 1:
                if fencing <= self._last_fencing:
                    self.violations.append(f"fencing {fencing} after {self._last_fencing}: not increasing in grant order")
                self._last_fencing = fencing

    def leave(self) -> None:
        """The holder stops using the resource (before it releases)."""
        with self._guard:
            self.inside -= 1
