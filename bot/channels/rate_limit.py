"""Flood protection per key (a user, a conversation, a client address): a sliding window,
per process (a flood from one user hits one worker). Keys that went quiet are forgotten,
so memory stays bounded however many users come and go."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, limit: int, seconds: float):
        self.limit, self.seconds = limit, seconds
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._calls = 0

    def allow(self, user: str) -> bool:
        now = time.monotonic()
        self._calls += 1
        if self._calls % 1000 == 0:
            self._forget_quiet(now)
        window = self._seen[user]
        while window and now - window[0] > self.seconds:
            window.popleft()
        window.append(now)
        return len(window) <= self.limit

    def first_refusal(self, user: str) -> bool:
        """True once per flood: the moment to say "slow down"."""
        return len(self._seen[user]) == self.limit + 1

    def retry_after(self, user: str) -> int:
        """Whole seconds until this key may send again (at least 1)."""
        window = self._seen.get(user)
        if not window or len(window) <= self.limit:
            return 1
        oldest_that_counts = window[len(window) - self.limit]
        return max(1, math.ceil(self.seconds - (time.monotonic() - oldest_that_counts)))

    def _forget_quiet(self, now: float) -> None:
        for key in [k for k, w in self._seen.items() if not w or now - w[-1] > self.seconds]:
            del self._seen[key]
