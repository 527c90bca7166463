"""The conversation's verified account (conversations.verified_uid, verified_email,
verified_at): written only here. verified_uid is the exchange UID, and non-null only when
the exchange vouched for the trader (a signed widget token, a linked Telegram account);
other parts (freezing withdrawals) rely on exactly that."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, update

from bot.storage.schema import conversations


def mark_verified(connection: Connection, conversation_id: str, uid: str,
                  email: str | None, at: float | None = None) -> None:
    now = at if at is not None else time.time()
    connection.execute(update(conversations).where(conversations.c.id == conversation_id)
                       .values(verified_uid=uid, verified_email=email, verified_at=now,
                               updated_at=now))


def verified_uid(row: Any) -> str | None:
    return getattr(row, "verified_uid", None) or None
