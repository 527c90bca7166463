"""Where a widget or API turn runs, and what a busy server does with it.

Storing a message is quick, answering it is not (the models, a turn's transaction). Under
a flood, requests queue for the few request threads (app.REQUEST_THREADS), and a message
that waited in that queue would be stored late and answered later still. So each step
has its own pool: every message is stored at once on the intake threads; an urgent one
(a pasted secret, incident words) is answered on threads of its own; any other is
answered on the request threads, or, when this process already has `limits.busy_after`
turns waiting, deferred with a "busy, your reply follows" notice (bot/dialogue/deferred.py).

A flood (more than `limits.messages_per_conversation` messages in the window from one
conversation, or `messages_per_client` from one address) is stored too, nothing is lost,
but not answered: `Flooding` carries the "please slow down" notice. Urgent messages are
never held back by it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from anyio import CapacityLimiter, to_thread

from bot.channels.rate_limit import RateLimiter
from bot.dialogue.engine import DialogueEngine, Taken, TurnResult
from bot.nlu.triage import worth_hurrying
from bot.storage.database import urgent_writes

INTAKE_THREADS = 2
URGENT_THREADS = 2


class Flooding(Exception):
    """The message was stored and will not be answered: too many, too fast."""

    def __init__(self, message_id: int, notice: str, retry_after: int):
        super().__init__(notice)
        self.message_id, self.notice, self.retry_after = message_id, notice, retry_after


class TurnRunner:
    def __init__(self, dialogue: DialogueEngine):
        self.dialogue = dialogue
        self._intake: CapacityLimiter | None = None
        self._urgent: CapacityLimiter | None = None
        limits = dialogue.settings.limits
        self.per_conversation = RateLimiter(limits.messages_per_conversation,
                                            limits.message_window_seconds)
        self.per_client = RateLimiter(limits.messages_per_client,
                                      limits.message_window_seconds)

    def _limiters(self) -> tuple[CapacityLimiter, CapacityLimiter]:
        # Created on first use: a limiter belongs to the running event loop.
        if self._intake is None or self._urgent is None:
            self._intake = CapacityLimiter(INTAKE_THREADS)
            self._urgent = CapacityLimiter(URGENT_THREADS)
        return self._intake, self._urgent

    async def run(self, conversation_id: str, text: str, client_message_id: str | None,
                  locale: str | None, client_seq: int | None,
                  may_defer: bool = True, client: str = "") -> TurnResult:
        """Store the message, then answer it now or, busy and `may_defer` (the client has
        a live channel for the replies), later. Raises what DialogueEngine.take raises
        (ConversationNotFound, MessageTooLong) and Flooding."""
        intake, urgent = self._limiters()
        dialogue = self.dialogue
        # Incident words are seen before the message is even stored (a regex glance, a
        # few microseconds): such a message skips the intake queue too. A pasted secret
        # is found by the scan, in `take`.
        hurry = worth_hurrying(text[: dialogue.settings.limits.max_message_chars])
        if not hurry:
            # Both windows count every message, so a flood on one keeps the other full.
            conversation_ok = self.per_conversation.allow(conversation_id)
            client_ok = self.per_client.allow(client)
            if not (conversation_ok and client_ok):
                return await self._flood(conversation_id, text, client_message_id, locale,
                                         client_seq, client if conversation_ok else None)
        # Counted from arrival: the requests still waiting to be stored are part of the
        # backlog the busy check reads.
        with dialogue.admitted():
            with dialogue.storing():
                take = partial(dialogue.take, conversation_id, text, client_message_id,
                               client_seq)
                run = partial(_urgently, dialogue, take) if hurry else take
                taken = await to_thread.run_sync(run, limiter=urgent if hurry else intake)
            if may_defer and dialogue.should_defer(taken):
                result = await to_thread.run_sync(partial(dialogue.defer, taken, locale),
                                                  limiter=intake)
            elif taken.urgent:
                result = await to_thread.run_sync(
                    partial(_urgently, dialogue, partial(dialogue.answer, taken, locale)),
                    limiter=urgent)
            else:
                result = await to_thread.run_sync(partial(dialogue.answer, taken, locale))
            return _as_stored(result, taken)

    async def _flood(self, conversation_id: str, text: str, client_message_id: str | None,
                     locale: str | None, client_seq: int | None,
                     by_client: str | None) -> TurnResult:
        intake, _ = self._limiters()
        dialogue = self.dialogue
        taken = await to_thread.run_sync(
            partial(dialogue.take, conversation_id, text, client_message_id, client_seq),
            limiter=intake)
        if taken.urgent:  # a pasted secret: answered, flood or not
            with dialogue.admitted():
                result = await to_thread.run_sync(
                    partial(_urgently, dialogue, partial(dialogue.answer, taken, locale)),
                    limiter=self._limiters()[1])
            return _as_stored(result, taken)
        if not taken.processed:
            await to_thread.run_sync(dialogue.leave_unanswered, taken.message_id,
                                     "rate_limited")
        window, key = ((self.per_client, by_client) if by_client is not None
                       else (self.per_conversation, conversation_id))
        if window.first_refusal(key):  # once per flood, in the transcript too
            await to_thread.run_sync(partial(dialogue.say, conversation_id, "rate_limited",
                                             locale))
        notice = await to_thread.run_sync(partial(dialogue.notice, taken, "rate_limited",
                                                  locale), limiter=intake)
        raise Flooding(taken.message_id, notice, window.retry_after(key))


def _as_stored(result: TurnResult, taken: Taken) -> TurnResult:
    stored = taken.reading.scan.redacted_text
    return replace(result, stored_text=stored) if stored != taken.reading.cleaned else result


def _urgently(dialogue: DialogueEngine, call: Callable[[], Any]) -> Any:
    """Run `call` with its write transactions ahead of routine ones (the writer queue of
    bot.storage.database) and background work held back (`DialogueEngine.urgent`): a
    takeover report must not wait behind a flood."""
    with urgent_writes(), dialogue.urgent():
        return call()
