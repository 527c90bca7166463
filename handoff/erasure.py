"""A trader's cases read out and erased, and the audit record of the request (bot.privacy
decides; this module owns `handoffs` and `audit_log`).

An erased case keeps what reports count: status, priority, reason, intent, language, the
agent, the times (queued, first assigned, closed: the waits on the dashboard). Its packet
loses the transcript, the summary (it quotes the first message), the entities and the FAQ
questions tried; its resolution note (an agent's words about the trader) goes too.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.storage.schema import audit_log, handoffs
from handoff.queue import CLOSED

# What an erased packet keeps: labels, no words of the trader or of an agent.
_KEPT = ("conversation_id", "channel", "lang", "script", "intent", "urgency", "reason",
         "reason_text")


def cases_of(connection: Connection, conversation_ids: list[str]) -> list[Any]:
    if not conversation_ids:
        return []
    return list(connection.execute(select(handoffs).where(
        handoffs.c.conversation_id.in_(conversation_ids)).order_by(handoffs.c.id)).all())


def outcome(row: Any) -> dict[str, Any]:
    """A case as a trader's export shows it."""
    return {"id": row.id, "status": row.status, "priority": f"P{row.priority}",
            "reason": row.reason, "intent": row.intent, "queued_at": row.queued_at,
            "first_assigned_at": row.first_assigned_at, "closed_at": row.closed_at,
            "resolution": row.resolution}


def close_open(connection: Connection, conversation_ids: list[str],
               now: float | None = None) -> int:
    """Close the open cases of these conversations (an erasure that was told to go ahead
    while an agent holds the conversation, or while it waits in the queue)."""
    if not conversation_ids:
        return 0
    return int(connection.execute(update(handoffs).where(
        handoffs.c.conversation_id.in_(conversation_ids),
        handoffs.c.status != CLOSED).values(
            status=CLOSED, closed_at=time.time() if now is None else now)).rowcount)


def erase_cases(connection: Connection, conversation_ids: list[str]) -> int:
    rows = cases_of(connection, conversation_ids)
    for row in rows:
        packet = {key: value for key, value in (row.packet or {}).items() if key in _KEPT}
        packet["erased"] = True
        connection.execute(update(handoffs).where(handoffs.c.id == row.id)
                           .values(packet=packet, resolution=None))
    return len(rows)


def record_request(connection: Connection, *, agent_id: int, username: str, action: str,
                   conversation_ids: list[str], case_ids: dict[str, int] | None = None
                   ) -> None:
    """One audit line per conversation: who asked, what (erase, export), when. Never the
    text, nor the trader's identifiers beyond the conversation's id."""
    now = time.time()
    for conversation_id in conversation_ids:
        connection.execute(insert(audit_log).values(
            agent_id=agent_id, username=username, action=action,
            handoff_id=(case_ids or {}).get(conversation_id), conversation_id=conversation_id,
            at=now))
