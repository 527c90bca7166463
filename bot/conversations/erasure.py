"""A trader's conversations found, read out and erased, for the tables this package owns
(bot.privacy decides what to erase and when; this module knows where the text is).

Erasing keeps a skeleton so that counts and reports still add up (the dashboard counts
conversations with a user message, CSAT, conversations per day): the conversation row
keeps its channel, language, state, times, CSAT and who resolved it; each message keeps
its author, kind and time with its text emptied. Everything that could say who the trader
is or what they wrote goes: the display name, the channel's key for the person, the
verified account, the policy's memory (entities, the last question), message payloads,
event details, held-back seed words, Telegram updates, delivery records, typing marks.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from bot.dialogue.state import DialogueState
from bot.storage.database import is_postgres
from bot.storage.schema import (
    conversations,
    deliveries,
    events,
    inbox,
    messages,
    typing_marks,
    withheld_fragments,
)

ERASED_KEY = "erased"  # the channel key of an erased conversation: nobody's
TELEGRAM_CHANNELS = ("telegram", "telegram_group")
_OPEN_STATES = ("queued", "with_agent")
_DONE_UPDATES = ("done", "failed")


def find(connection: Connection, *, uid: str | None = None, conversation_id: str | None = None,
         channel: str | None = None, channel_key: str | None = None,
         telegram_user: int | None = None, lock: bool = True) -> list[Any]:
    """The trader's conversations (not yet erased, or written to since), oldest first;
    locked against a turn on PostgreSQL unless `lock` is False (an export only reads)."""
    query = select(conversations).where(or_(
        conversations.c.erased_at.is_(None),
        conversations.c.updated_at > conversations.c.erased_at))
    if uid is not None:
        query = query.where(conversations.c.verified_uid == uid)
    elif conversation_id is not None:
        query = query.where(conversations.c.id == conversation_id)
    elif telegram_user is not None:
        # Telegram's key is tg:<chat>:<user>: the person in their private chat and in
        # every group where they talked to the bot.
        query = query.where(conversations.c.channel.in_(TELEGRAM_CHANNELS),
                            conversations.c.channel_key.like(f"tg:%:{int(telegram_user)}"))
    elif channel is not None and channel_key is not None:
        query = query.where(conversations.c.channel == channel,
                            conversations.c.channel_key == channel_key)
    else:
        raise ValueError("name a trader: uid, conversation, Telegram user or channel key")
    if lock and is_postgres(connection.engine):
        query = query.with_for_update()  # a turn in flight finishes first, then we erase
    return list(connection.execute(query.order_by(conversations.c.created_at)).all())


def idle_since(connection: Connection, channels: tuple[str, ...], before: float,
               limit: int = 500) -> list[Any]:
    """Conversations on these channels with no open case and nothing new since `before`
    (the retention sweep's candidates): closed by an agent, or left with the bot. On
    PostgreSQL those in a turn right now are skipped (the next sweep sees them)."""
    query = (
        select(conversations)
        .where(conversations.c.channel.in_(channels),
               conversations.c.state.not_in(_OPEN_STATES),
               conversations.c.updated_at < before,
               or_(conversations.c.erased_at.is_(None),
                   conversations.c.updated_at > conversations.c.erased_at))
        .order_by(conversations.c.updated_at).limit(limit))
    if is_postgres(connection.engine):
        query = query.with_for_update(skip_locked=True)
    return list(connection.execute(query).all())


def is_open(row: Any) -> bool:
    return str(row.state) in _OPEN_STATES


def erase(connection: Connection, rows: list[Any], now: float | None = None) -> dict[str, int]:
    """Erase these conversations' text in the caller's transaction; how many rows of each
    kind were emptied or deleted."""
    now = time.time() if now is None else now
    ids = [str(row.id) for row in rows]
    if not ids:
        return {}
    in_ids = messages.c.conversation_id.in_(ids)
    counts = {
        "messages": connection.execute(update(messages).where(in_ids).values(
            text="", payload=None, client_message_id=None)).rowcount,
        "events": connection.execute(update(events).where(
            events.c.conversation_id.in_(ids)).values(data=None)).rowcount,
        "withheld": connection.execute(delete(withheld_fragments).where(
            withheld_fragments.c.conversation_id.in_(ids))).rowcount,
        "deliveries": connection.execute(delete(deliveries).where(
            deliveries.c.conversation_id.in_(ids))).rowcount,
        "typing": connection.execute(delete(typing_marks).where(
            typing_marks.c.conversation_id.in_(ids))).rowcount,
    }
    # Telegram updates carry the sender's name and ids: those of the erased conversations,
    # and the person's updates that never became one (a sticker, a group post). Updates
    # still being handled are left to finish.
    keys = [str(row.channel_key) for row in rows if row.channel in TELEGRAM_CHANNELS]
    chats = or_(inbox.c.conversation_id.in_(ids), inbox.c.chat_key.in_(keys)) if keys \
        else inbox.c.conversation_id.in_(ids)
    counts["updates"] = connection.execute(delete(inbox).where(
        and_(chats, inbox.c.state.in_(_DONE_UPDATES)))).rowcount
    last = dict(connection.execute(select(messages.c.conversation_id, func.max(messages.c.id))
                                   .where(in_ids).group_by(messages.c.conversation_id)).all())
    empty = DialogueState().to_json()
    for row in rows:
        # An open one (erasure told to go ahead) is closed: nobody works on a skeleton.
        closing = {"state": "closed", "closed_at": now} if is_open(row) else {}
        connection.execute(update(conversations).where(conversations.c.id == row.id)
                           .values(user_label=None, channel_key=ERASED_KEY, dialogue=empty,
                                   verified_uid=None, verified_email=None, verified_at=None,
                                   unreachable_since=None, erased_at=now, updated_at=now,
                                   # nothing of it is left to send
                                   delivered_upto=int(last.get(str(row.id)) or 0),
                                   **closing))
    counts["conversations"] = len(ids)
    return counts
