"""Sign-in throttling: growing delays after failed passwords, never a lock.

Each failure is counted against the account name and against the client address. After
`free` failures a key must wait before each next try: 1 s, 2 s, 4 s … up to a cap. The
account's cap is short (an attacker guessing alice's password must not be able to keep
alice out for long: she waits at most `account_cap` seconds), the address's long (one
address guessing is slowed to a crawl). A success clears both. Unknown names are
counted like known ones, so the answers reveal nothing about which accounts exist.

Per process and in memory: with N server processes an attacker gets N times the tries;
the delays still grow exponentially in each.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Record:
    failures: int
    last_failure: float
    not_before: float


class LoginThrottle:
    def __init__(self, free: int = 5, account_cap: float = 30.0, address_cap: float = 900.0,
                 forget_after: float = 3600.0, clock: Callable[[], float] = time.monotonic):
        self.free = free
        self.account_cap = account_cap
        self.address_cap = address_cap
        self.forget_after = forget_after
        self.clock = clock
        self._records: dict[tuple[str, str], _Record] = {}
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> int:
        """Whole seconds to wait before this try may be checked; 0: go ahead."""
        now = self.clock()
        with self._lock:
            waits = [record.not_before - now for key in _keys(username, address)
                     if (record := self._records.get(key)) is not None]
        longest = max(waits, default=0.0)
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            for key in _keys(username, address):
                record = self._records.get(key)
                if record is None or now - record.last_failure > self.forget_after:
                    record = _Record(0, now, now)
                record.failures += 1
                record.last_failure = now
                over = record.failures - self.free  # 0 at the last free failure: 1 s
                cap = self.account_cap if key[0] == "account" else self.address_cap
                record.not_before = now + (min(cap, 2.0 ** over) if over >= 0 else 0.0)
                self._records[key] = record

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            for key in _keys(username, address):
                self._records.pop(key, None)

    def _forget_old(self, now: float) -> None:
        # Bounded memory under a spray from many addresses: old records go first.
        if len(self._records) < 50_000:
            return
        for key in [k for k, r in self._records.items()
                    if now - r.last_failure > self.forget_after]:
            del self._records[key]
        if len(self._records) >= 50_000:  # still full: forget the oldest half
            oldest = sorted(self._records, key=lambda k: self._records[k].last_failure)
            for key in oldest[: len(oldest) // 2]:
                del self._records[key]


def _keys(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("account", username.strip().casefold()), ("address", address)
