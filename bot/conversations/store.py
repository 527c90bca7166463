"""The conversation record: conversations, their messages and events (SQLite or PostgreSQL).

This module and its package are the only code that reads or writes these tables; the
engine, the desk, actions, channels and the server call the methods here.
tests/test_architecture.py fails the build when anything else imports them."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from bot.dialogue.state import BOT, DialogueState
from bot.storage.database import is_postgres, reading
from bot.storage.schema import conversations, events, messages

# The turn's statements, built once: constructing a select or insert costs more Python
# than executing its cached compiled form (py-spy: ~10% of a worker's GIL time went to
# building statements). Values travel as parameters.
_CONVERSATION = select(conversations).where(conversations.c.id == bindparam("conversation"))
_CONVERSATION_FOR_UPDATE = _CONVERSATION.with_for_update()
_INSERT_MESSAGE = insert(messages)
_INSERT_EVENT = insert(events)
_UPDATE_MESSAGE = update(messages).where(messages.c.id == bindparam("message"))
_IS_PROCESSED = select(messages.c.processed).where(messages.c.id == bindparam("message"))
_UPDATE_CONVERSATION = update(conversations).where(
    conversations.c.id == bindparam("conversation"))


MAX_SEQ_GAP = 20  # messages a widget may have in flight at once, at most


class ConversationStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def create(self, channel: str, channel_key: str, user_label: str | None = None,
               lang: str | None = None, locale: str | None = None) -> str:
        with self.engine.begin() as connection:
            return self.insert_conversation(connection, channel, channel_key, user_label, lang,
                                            locale)

    @staticmethod
    def insert_conversation(connection: Connection, channel: str, channel_key: str,
                            user_label: str | None = None, lang: str | None = None,
                            locale: str | None = None) -> str:
        conversation_id = str(uuid.uuid4())
        now = time.time()
        connection.execute(insert(conversations).values(
            id=conversation_id, channel=channel, channel_key=channel_key,
            user_label=user_label, lang=lang, locale=locale, state=BOT, delivered_upto=0,
            dialogue=DialogueState().to_json(), created_at=now, updated_at=now))
        return conversation_id

    @staticmethod
    def latest_in(connection: Connection, channel: str, channel_key: str) -> Any:
        """The newest conversation of this person on this channel, or None."""
        return connection.execute(
            select(conversations).where(conversations.c.channel == channel,
                                        conversations.c.channel_key == channel_key)
            .order_by(conversations.c.created_at.desc())).first()

    def message_with_conversation(self, message_id: int) -> tuple[Any, Any] | None:
        """A stored message and its conversation (a button press names the message)."""
        with reading(self.engine) as connection:
            message = connection.execute(select(messages).where(
                messages.c.id == message_id)).first()
            if message is None:
                return None
            return message, connection.execute(
                _CONVERSATION, {"conversation": message.conversation_id}).first()

    def highest_client_seq(self, conversation_id: str) -> int:
        """The highest number a client gave a stored message of this conversation."""
        with reading(self.engine) as connection:
            return int(connection.scalar(select(func.max(messages.c.client_seq)).where(
                messages.c.conversation_id == conversation_id)) or 0)

    def wait_for_turn(self, conversation_id: str, client_seq: int | None,
                      timeout: float = 5.0) -> bool:
        """Wait (a little) until the client's previous message is stored, so that two
        messages sent one after the other are stored in that order even when the second
        arrives first (two retries racing after a reconnect). False when it never came:
        the message is then stored anyway; nothing is held back for good."""
        if not client_seq or client_seq <= 1:
            return True
        # Only a short gap is worth waiting for: a client whose numbers jumped (a new
        # device, a cleared browser) must not hold a request thread for nothing.
        if client_seq - 1 - self.highest_client_seq(conversation_id) > MAX_SEQ_GAP:
            return False
        deadline = time.monotonic() + timeout
        while self.highest_client_seq(conversation_id) < client_seq - 1:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def text_of(self, message_id: int) -> str:
        with reading(self.engine) as connection:
            return str(connection.scalar(select(messages.c.text).where(
                messages.c.id == message_id)) or "")

    @staticmethod
    def is_processed(connection: Connection, message_id: int) -> bool:
        return bool(connection.scalar(_IS_PROCESSED, {"message": message_id}))

    @staticmethod
    def set_text(connection: Connection, message_id: int, text: str) -> None:
        connection.execute(_UPDATE_MESSAGE, {"message": message_id, "text": text})

    def get(self, conversation_id: str) -> Any:
        with reading(self.engine) as connection:
            return connection.execute(_CONVERSATION, {"conversation": conversation_id}).first()

    @staticmethod
    def row(connection: Connection, conversation_id: str) -> Any:
        """The conversation inside a caller's transaction (not locked); None when unknown."""
        return connection.execute(_CONVERSATION, {"conversation": conversation_id}).first()

    @staticmethod
    def transcript(connection: Connection, conversation_id: str) -> list[dict[str, Any]]:
        """Every message of the conversation, oldest first (text as stored: redacted)."""
        rows = connection.execute(
            select(messages.c.id, messages.c.author, messages.c.author_name, messages.c.text,
                   messages.c.kind, messages.c.created_at)
            .where(messages.c.conversation_id == conversation_id).order_by(messages.c.id))
        return [dict(row._mapping) for row in rows]

    @staticmethod
    def last_user_texts(connection: Connection, conversation_id: str, count: int) -> list[str]:
        """The user's last messages, oldest first."""
        texts = list(connection.scalars(
            select(messages.c.text).where(messages.c.conversation_id == conversation_id,
                                          messages.c.author == "user")
            .order_by(messages.c.id.desc()).limit(count)))
        return list(reversed(texts))

    @staticmethod
    def last_user_message_ids(connection: Connection,
                              conversation_ids: list[str]) -> dict[str, int]:
        """The id of each conversation's newest user message (the console's unread marks)."""
        if not conversation_ids:
            return {}
        rows = connection.execute(
            select(messages.c.conversation_id, func.max(messages.c.id))
            .where(messages.c.conversation_id.in_(conversation_ids),
                   messages.c.author == "user")
            .group_by(messages.c.conversation_id)).all()
        return {str(conversation): int(last) for conversation, last in rows}

    @staticmethod
    def figures(connection: Connection) -> dict[str, Any]:
        """What the dashboard shows about conversations themselves."""
        talked = select(messages.c.conversation_id).where(messages.c.author == "user").distinct()
        return {
            "talked": int(connection.scalar(select(func.count()).select_from(talked.subquery()))
                          or 0),
            "bot_resolved": int(connection.scalar(
                select(func.count()).select_from(conversations)
                .where(conversations.c.resolved_by == "bot")) or 0),
            "csat": [int(s) for s in connection.scalars(
                select(conversations.c.csat).where(conversations.c.csat.is_not(None)))],
            "created_at": [float(t) for t in connection.scalars(
                select(conversations.c.created_at))],
        }

    @staticmethod
    def event_times(connection: Connection, kind: str, since: float) -> list[float]:
        """When each event of this kind happened, since `since` (the dashboard's charts)."""
        return [float(t) for t in connection.scalars(
            select(events.c.created_at).where(events.c.kind == kind,
                                              events.c.created_at >= since))]

    @staticmethod
    def lock_or_none(connection: Connection, conversation_id: str) -> Any:
        """The conversation row locked for this transaction, or None when unknown."""
        query = _CONVERSATION_FOR_UPDATE if is_postgres(connection.engine) else _CONVERSATION
        return connection.execute(query, {"conversation": conversation_id}).first()

    @staticmethod
    def find_inbound(connection: Connection, conversation_id: str,
                     client_message_id: str) -> Any:
        """A user message already stored under this client id (a retry), or None."""
        return connection.execute(select(messages.c.id, messages.c.processed).where(
            messages.c.conversation_id == conversation_id,
            messages.c.client_message_id == client_message_id)).first()

    def unanswered(self, channels: tuple[str, ...], stored_before: float,
                   stored_after: float = 0.0, limit: int = 100) -> list[tuple[str, int]]:
        """(conversation, message) of user messages on these channels stored between the
        two times and never answered, oldest first: the turns a dead process left."""
        with reading(self.engine) as connection:
            rows = connection.execute(
                select(messages.c.conversation_id, messages.c.id)
                .join(conversations, conversations.c.id == messages.c.conversation_id)
                .where(messages.c.processed.is_(False), messages.c.author == "user",
                       messages.c.created_at < stored_before,
                       messages.c.created_at > stored_after,
                       conversations.c.channel.in_(channels))
                .order_by(messages.c.id).limit(limit)).all()
        return [(str(row.conversation_id), int(row.id)) for row in rows]

    @staticmethod
    def insert_inbound(connection: Connection, conversation_id: str, text: str,
                       client_message_id: str | None, client_seq: int | None = None) -> int:
        """Store a user's (redacted) message, not yet answered."""
        result = connection.execute(_INSERT_MESSAGE, {
            "conversation_id": conversation_id, "author": "user", "text": text,
            "kind": "text", "client_message_id": client_message_id,
            "client_seq": client_seq, "processed": False, "created_at": time.time()})
        return _new_id(result)

    @staticmethod
    def replace_in_text(connection: Connection, message_id: int, marker: str,
                        replacement: str) -> None:
        """Swap a marker in a stored message for what it now stands for."""
        text = connection.execute(select(messages.c.text).where(
            messages.c.id == message_id)).scalar()
        if text is not None and marker in text:
            connection.execute(_UPDATE_MESSAGE, {"message": message_id,
                                                 "text": text.replace(marker, replacement, 1)})

    @staticmethod
    def lock(connection: Connection, conversation_id: str) -> Any:
        """The conversation row, locked until the turn's transaction ends.

        PostgreSQL: SELECT … FOR UPDATE, so two processes serve one conversation in turn.
        SQLite: every transaction is BEGIN IMMEDIATE, which already serialises writers.
        """
        row = ConversationStore.lock_or_none(connection, conversation_id)
        if row is None:
            raise LookupError(f"no conversation {conversation_id}")
        return row

    @staticmethod
    def add_message(connection: Connection, conversation_id: str, author: str, text: str,
                    kind: str = "text", payload: dict[str, Any] | None = None,
                    reply_to: int | None = None, author_name: str | None = None) -> int:
        result = connection.execute(insert(messages).values(
            conversation_id=conversation_id, author=author, author_name=author_name, text=text,
            kind=kind, payload=payload, reply_to=reply_to, processed=True,
            created_at=time.time()))
        return _new_id(result)

    @classmethod
    def add_reply(cls, connection: Connection, conversation_id: str,
                  message: dict[str, Any], reply_to: int) -> dict[str, Any]:
        """Store one bot reply and return it as the API shows it, without reading it back."""
        created_at = time.time()
        result = connection.execute(_INSERT_MESSAGE, {
            "conversation_id": conversation_id, "author": "bot", "text": message["text"],
            "kind": message["kind"], "payload": message, "reply_to": reply_to,
            "processed": True, "created_at": created_at})
        return {"id": _new_id(result), "author": "bot", "author_name": None,
                "text": message["text"], "kind": message["kind"],
                "quick_replies": message.get("quick_replies", []), "client_message_id": None,
                "created_at": created_at}

    @staticmethod
    def finish_inbound(connection: Connection, message_id: int,
                       payload: dict[str, Any]) -> None:
        connection.execute(_UPDATE_MESSAGE, {"message": message_id, "processed": True,
                                             "payload": payload})

    @staticmethod
    def save(connection: Connection, conversation_id: str, **values: Any) -> None:
        connection.execute(_UPDATE_CONVERSATION, {"conversation": conversation_id,
                                                  "updated_at": time.time(), **values})

    @staticmethod
    def record_event(connection: Connection, conversation_id: str | None, kind: str,
                     data: dict[str, Any] | None = None) -> None:
        connection.execute(_INSERT_EVENT, {"conversation_id": conversation_id, "kind": kind,
                                           "data": data or {}, "created_at": time.time()})

    def messages_after(self, conversation_id: str, after: int = 0,
                       limit: int = 500) -> list[dict[str, Any]]:
        with reading(self.engine) as connection:
            rows = connection.execute(
                select(messages).where(messages.c.conversation_id == conversation_id,
                                       messages.c.id > after)
                .order_by(messages.c.id).limit(limit))
            return [public_message(row) for row in rows]

    def replies_to(self, message_id: int) -> list[dict[str, Any]]:
        with reading(self.engine) as connection:
            rows = connection.execute(select(messages).where(messages.c.reply_to == message_id)
                                      .order_by(messages.c.id))
            return [public_message(row) for row in rows]


def _new_id(result: Any) -> int:
    return int(result.inserted_primary_key[0])


def public_message(row: Any) -> dict[str, Any]:
    payload = row.payload or {}
    return {
        "id": row.id,
        "author": row.author,
        "author_name": row.author_name,
        "text": row.text,
        "kind": row.kind,
        "quick_replies": payload.get("quick_replies", []) if row.author != "user" else [],
        # A file (bot.attachments): its id, name, type and size, to show and fetch it.
        "attachment": payload.get("attachment") if row.kind == "attachment" else None,
        "client_message_id": row.client_message_id,
        "created_at": row.created_at,
    }
