"""Live updates for WebSocket and SSE clients.

A change made by this process wakes its waiters at once (the engine's listeners); a change
made by another server process arrives through the change bus (bot.server.change_bus:
PostgreSQL NOTIFY, or a local socket between workers on one machine). An idle client
costs nothing until then. When the bus may have missed notices (its connection was
lost and is back), every waiter is woken to re-read; a re-read every KEEPALIVE_SECONDS
is the last safety net (2,000 idle sockets: about 7 cheap reads a second).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

KEEPALIVE_SECONDS = 300.0
ANY = "*"  # waiters on every conversation (the agent console's queue)


class LiveHub:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def changed(self, conversation_id: str) -> None:
        """Called from any thread after a conversation changed."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._wake, conversation_id)

    def wake_everyone(self) -> None:
        """From any thread: every waiter re-reads (notices may have been missed)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for events in self._waiters.values():
            for event in events:
                event.set()

    def _wake(self, conversation_id: str) -> None:
        for key in (conversation_id, ANY):
            for event in self._waiters.get(key, ()):
                event.set()

    async def wait(self, key: str, timeout: float = KEEPALIVE_SECONDS) -> None:
        event = asyncio.Event()
        self._waiters[key].add(event)
        try:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        finally:
            self._waiters[key].discard(event)
