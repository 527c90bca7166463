"""The dashboard's spike chart: how many incident-matched messages and incident cases
came in each minute of the last hour. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable

MINUTE = 60.0


def window_start(now: float, minutes: int) -> float:
    """The first second of the oldest minute shown (the current minute is the last)."""
    return (math.floor(now / MINUTE) - minutes + 1) * MINUTE


def per_minute(times: Iterable[float], now: float, minutes: int = 60) -> list[int]:
    """Counts per whole minute, oldest first, the current (partial) minute last."""
    start = window_start(now, minutes)
    counts = [0] * minutes
    for at in times:
        index = int((at - start) // MINUTE)
        if 0 <= index < minutes:
            counts[index] += 1
    return counts
