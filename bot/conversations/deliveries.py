"""The outbox of push channels: which bot, agent and system messages still have to reach
the user, in order, and what happened to each one sent.

A conversation's `delivered_upto` is the cursor: messages after it are pending. Recording
an outcome and moving the cursor happen in one transaction, so a crash between sends
repeats at most the message that was in flight."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from bot.storage.database import reading
from bot.storage.schema import conversations, deliveries, messages

SENT, MAYBE_SENT, REFUSED = "sent", "maybe_sent", "refused"


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    conversation_id: str
    channel: str
    channel_key: str
    lang: str | None
    script: str | None
    author: str
    text: str
    kind: str
    payload: dict[str, Any]
    reply_to_platform_id: str | None  # the user's message it answers, on the platform


class Deliveries:
    def __init__(self, engine: Engine):
        self.engine = engine

    def conversations_with_pending(self, channels: tuple[str, ...]) -> list[str]:
        latest = (select(messages.c.conversation_id, func.max(messages.c.id).label("last"))
                  .where(messages.c.author != "user").group_by(messages.c.conversation_id)
                  .subquery())
        with reading(self.engine) as connection:
            return [str(r) for r in connection.scalars(
                select(conversations.c.id)
                .join(latest, latest.c.conversation_id == conversations.c.id)
                .where(conversations.c.channel.in_(channels),
                       conversations.c.unreachable_since.is_(None),
                       latest.c.last > func.coalesce(conversations.c.delivered_upto, 0)))]

    def pending(self, conversation_id: str, channels: tuple[str, ...],
                limit: int = 20) -> list[Outgoing]:
        """The conversation's undelivered messages, oldest first; none while the user has
        blocked the bot, or when the conversation is on another channel."""
        with reading(self.engine) as connection:
            row = connection.execute(select(conversations).where(
                conversations.c.id == conversation_id)).first()
            if row is None or row.unreachable_since is not None or row.channel not in channels:
                return []
            rows = connection.execute(
                select(messages).where(messages.c.conversation_id == conversation_id,
                                       messages.c.author != "user",
                                       messages.c.id > (row.delivered_upto or 0))
                .order_by(messages.c.id).limit(limit)).all()
            answered = {r.reply_to for r in rows if r.reply_to}
            platform_ids = {}
            if answered:
                platform_ids = {m.id: m.client_message_id for m in connection.execute(
                    select(messages.c.id, messages.c.client_message_id)
                    .where(messages.c.id.in_(answered)))}
        return [Outgoing(r.id, conversation_id, row.channel, row.channel_key, row.lang,
                         row.script, r.author, r.text, r.kind, dict(r.payload or {}),
                         platform_ids.get(r.reply_to)) for r in rows]

    def record(self, outgoing: Outgoing, state: str, attempts: int,
               platform_ids: list[int] | None = None, detail: str = "") -> None:
        """The message's outcome, and the cursor past it: it is not sent again."""
        values = {"state": state, "attempts": attempts, "platform_ids": platform_ids or [],
                  "detail": detail[:200], "updated_at": time.time()}
        with self.engine.begin() as connection:
            known = connection.execute(select(deliveries.c.message_id).where(
                deliveries.c.message_id == outgoing.message_id)).first()
            if known is None:
                connection.execute(insert(deliveries).values(
                    message_id=outgoing.message_id,
                    conversation_id=outgoing.conversation_id, **values))
            else:  # recorded already (a second sender, e.g. right after a lease moved)
                connection.execute(update(deliveries).where(
                    deliveries.c.message_id == outgoing.message_id).values(**values))
            connection.execute(update(conversations).where(
                conversations.c.id == outgoing.conversation_id,
                func.coalesce(conversations.c.delivered_upto, 0) < outgoing.message_id,
            ).values(delivered_upto=outgoing.message_id))

    def mark_unreachable(self, conversation_id: str, reachable: bool = False) -> None:
        """The user blocked the bot (or unblocked it): stop sending until they write."""
        with self.engine.begin() as connection:
            connection.execute(update(conversations).where(
                conversations.c.id == conversation_id).values(
                unreachable_since=None if reachable else time.time()))
