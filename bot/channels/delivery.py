"""Sending a push channel's outbox: each conversation's messages in order, conversations
in parallel, outside the handlers that produced them.

The channel's `send` says what happened to one message; this loop records it and decides
what comes next. A message the platform may have received (a timeout after the request
left) is not sent again: a user may miss one reply, but never gets it twice (README,
"Telegram")."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.conversations.deliveries import MAYBE_SENT, REFUSED, SENT, Deliveries, Outgoing

log = logging.getLogger(__name__)
RETRY, UNREACHABLE = "retry", "unreachable"
MAX_BACKOFF = 60.0


@dataclass(frozen=True)
class SendOutcome:
    state: str  # sent | maybe_sent | refused | retry | unreachable
    platform_ids: list[int] = field(default_factory=list)
    retry_after: float = 0.0  # the platform said when (429)
    detail: str = ""


class Outbox:
    def __init__(self, deliveries: Deliveries, channels: tuple[str, ...],
                 send: Callable[[Outgoing], Awaitable[SendOutcome]]):
        self.deliveries = deliveries
        self.channels = channels
        self._send = send
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self) -> None:
        self._loop = asyncio.get_running_loop()

    def kick_threadsafe(self, conversation_id: str) -> None:
        """From any thread (the engine's listeners run in worker threads)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.kick, conversation_id)

    def kick(self, conversation_id: str) -> None:
        if conversation_id in self._tasks:
            self._again.add(conversation_id)
            return
        self._tasks[conversation_id] = asyncio.get_running_loop().create_task(
            self._drain(conversation_id))

    async def sweep(self) -> None:
        """Whatever is pending in any conversation of these channels: agent replies written
        by another process, and what a crash or a long retry left behind."""
        for conversation_id in await asyncio.to_thread(
                self.deliveries.conversations_with_pending, self.channels):
            self.kick(conversation_id)

    async def _drain(self, conversation_id: str) -> None:
        backoff, attempts = 1.0, 0
        try:
            while True:
                self._again.discard(conversation_id)
                pending = await asyncio.to_thread(self.deliveries.pending, conversation_id,
                                                    self.channels)
                if not pending:
                    if conversation_id in self._again:
                        continue
                    return
                for outgoing in pending:
                    attempts += 1
                    outcome = await self._send(outgoing)
                    if outcome.state in (SENT, MAYBE_SENT, REFUSED):
                        await asyncio.to_thread(self.deliveries.record, outgoing,
                                                outcome.state, attempts,
                                                outcome.platform_ids, outcome.detail)
                        backoff, attempts = 1.0, 0
                        continue
                    if outcome.state == UNREACHABLE:
                        log.warning("conversation %s cannot be reached (%s); holding its "
                                    "messages until the user writes", conversation_id,
                                    outcome.detail)
                        await asyncio.to_thread(self.deliveries.mark_unreachable,
                                                conversation_id)
                        return
                    # Only this conversation waits; the others have their own tasks.
                    wait = outcome.retry_after or backoff
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    log.warning("send to conversation %s failed (%s); retry in %.1f s",
                                conversation_id, outcome.detail, wait)
                    await asyncio.sleep(wait)
                    break  # read the pending list again: an agent may have added to it
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug or the database: the sweep tries again
            log.error("delivering conversation %s failed: %s", conversation_id,
                      type(error).__name__)
        finally:
            self._tasks.pop(conversation_id, None)

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
