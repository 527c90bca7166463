"""The inbox of push channels: every platform update, recorded once, before the platform
is told it arrived; then handled in order per chat. See the `inbox` table."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select, update

from bot.storage.database import reading
from bot.storage.schema import inbox

PENDING, DONE, FAILED = "pending", "done", "failed"


class Inbox:
    def __init__(self, engine: Engine, max_attempts: int = 5):
        self.engine = engine
        self.max_attempts = max_attempts

    @staticmethod
    def seen(connection: Connection, channel: str, platform_id: str) -> bool:
        return connection.execute(select(inbox.c.id).where(
            inbox.c.channel == channel, inbox.c.platform_id == platform_id)).first() is not None

    @staticmethod
    def record(connection: Connection, channel: str, platform_id: str, chat_key: str,
               kind: str, conversation_id: str | None = None, message_id: int | None = None,
               payload: dict[str, Any] | None = None, handled: bool = False) -> int:
        """Record an update (in the caller's transaction, with whatever it stored)."""
        now = time.time()
        result = connection.execute(insert(inbox).values(
            channel=channel, platform_id=platform_id, chat_key=chat_key, kind=kind,
            conversation_id=conversation_id, message_id=message_id, payload=payload or {},
            state=DONE if handled else PENDING, attempts=0, received_at=now,
            handled_at=now if handled else None))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def record_alone(self, channel: str, platform_id: str, chat_key: str, kind: str,
                     payload: dict[str, Any] | None = None, handled: bool = False) -> bool:
        """Record an update that stores nothing else; False when it was already here."""
        with self.engine.begin() as connection:
            if self.seen(connection, channel, platform_id):
                return False
            self.record(connection, channel, platform_id, chat_key, kind, payload=payload,
                        handled=handled)
            return True

    def get(self, channel: str, platform_id: str) -> Any:
        with reading(self.engine) as connection:
            return connection.execute(select(inbox).where(
                inbox.c.channel == channel, inbox.c.platform_id == platform_id)).first()

    def waiting(self, channel: str, limit: int = 500) -> list[Any]:
        """Updates not yet handled (including ones whose handling failed and may be tried
        again), oldest first."""
        with reading(self.engine) as connection:
            return list(connection.execute(
                select(inbox).where(inbox.c.channel == channel, or_(
                    inbox.c.state == PENDING,
                    (inbox.c.state == FAILED) & (inbox.c.attempts < self.max_attempts)))
                .order_by(inbox.c.id).limit(limit)))

    def finish(self, update_row_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(inbox).where(inbox.c.id == update_row_id).values(
                state=DONE, handled_at=time.time()))

    def fail(self, update_row_id: int) -> int:
        """Count a failed attempt; returns the attempts so far."""
        with self.engine.begin() as connection:
            connection.execute(update(inbox).where(inbox.c.id == update_row_id).values(
                state=FAILED, attempts=inbox.c.attempts + 1))
            return int(connection.scalar(select(inbox.c.attempts).where(
                inbox.c.id == update_row_id)) or 0)
