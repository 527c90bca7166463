"""Flood protection per user: a sliding window, per process (a flood from one user hits
one worker)."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, limit: int, seconds: float):
        self.limit, self.seconds = limit, seconds
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, user: str) -> bool:
        now = time.monotonic()
        window = self._seen[user]
        while window and now - window[0] > self.seconds:
            window.popleft()
        window.append(now)
        return len(window) <= self.limit

    def first_refusal(self, user: str) -> bool:
        """True once per flood: the moment to say "slow down"."""
        return len(self._seen[user]) == self.limit + 1
