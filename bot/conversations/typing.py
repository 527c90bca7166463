"""Who is typing in a conversation: the trader in the widget, the agent in the console.

A mark lasts TYPING_SECONDS; a client repeats it (at most every few seconds) while the
person keeps typing and withdraws it on sending. It lives in the database, not in one
process's memory, because the widget's socket and the console may be served by two
processes; the change bus then wakes their clients as for any other change.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage.database import is_postgres, reading
from bot.storage.schema import typing_marks

TYPING_SECONDS = 6.0
SIDES = ("user", "agent")


class TypingMarks:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._insert = postgres_insert if is_postgres(engine) else sqlite_insert

    def mark(self, conversation_id: str, side: str, active: bool = True,
             name: str | None = None) -> None:
        if side not in SIDES:
            raise ValueError(f"side is one of {SIDES}")
        until = time.time() + TYPING_SECONDS if active else 0.0
        statement = self._insert(typing_marks).values(
            conversation_id=conversation_id, side=side, name=name, until=until)
        statement = statement.on_conflict_do_update(
            index_elements=["conversation_id", "side"], set_={"name": name, "until": until})
        with self.engine.begin() as connection:
            connection.execute(statement)

    def current(self, conversation_id: str) -> dict[str, Any]:
        """{"user": bool, "agent": the typing agent's name or None, "until": when the
        newest mark lapses (0 when nobody types)}."""
        now = time.time()
        with reading(self.engine) as connection:
            rows = connection.execute(select(typing_marks).where(
                typing_marks.c.conversation_id == conversation_id,
                typing_marks.c.until > now)).all()
        marks = {row.side: row for row in rows}
        agent = marks.get("agent")
        return {"user": "user" in marks, "agent": (agent.name or "agent") if agent else None,
                "until": max((row.until for row in rows), default=0.0)}
