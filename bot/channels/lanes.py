"""Work for many chats at once, each chat's work in order.

One asyncio task per busy key (a conversation): a chat whose handling or sending waits
(a retry, a slow platform) waits alone; the others go on."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
Item = TypeVar("Item")


class Lanes(Generic[Item]):
    def __init__(self, work: Callable[[Item], Awaitable[None]]):
        self._work = work
        self._queues: dict[Hashable, deque[Item]] = {}
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}

    def push(self, key: Hashable, item: Item) -> None:
        self._queues.setdefault(key, deque()).append(item)
        if key not in self._tasks:
            self._tasks[key] = asyncio.get_running_loop().create_task(self._drain(key))

    async def _drain(self, key: Hashable) -> None:
        try:
            queue = self._queues[key]
            while queue:
                item = queue.popleft()
                try:
                    await self._work(item)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # the work logs its own failures; never stop
                    log.error("lane work failed: %s", type(error).__name__)
        finally:
            self._tasks.pop(key, None)
            if not self._queues.get(key):
                self._queues.pop(key, None)

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
