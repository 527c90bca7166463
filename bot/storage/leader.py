"""Pick one process among the server's workers for work that must not run twice.

Telegram allows one getUpdates poller per bot, and an outbox must be sent by one sender,
so with `supportbot run --workers N` exactly one worker runs the Telegram channel:
- PostgreSQL: a session advisory lock, held by a connection kept open for the life of the
  process (it works across machines, and is released when the process dies);
- SQLite: an exclusive lock on a file next to the database (the workers share a host).
A worker that does not lead serves HTTP only.
"""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bot.storage.database import is_postgres

_held: list[Any] = []  # what keeps each lock alive; released only when the process exits


def try_lead(engine: Engine, role: str, data_dir: str | Path) -> bool:
    """True when this process now leads `role` (and keeps doing so until it exits)."""
    if is_postgres(engine):
        key = int.from_bytes(hashlib.sha256(role.encode()).digest()[:8], "big", signed=True)
        connection = engine.connect()
        if connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}):
            connection.commit()  # end the implicit transaction; the session lock stays
            _held.append(connection)
            return True
        connection.close()
        return False
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / f"{role}.lock").open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return False
    _held.append(handle)
    return True
