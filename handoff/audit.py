"""The audit log of who read which case (transcript, packet, file), for supervisors and
for a trader's data request. Written once per opening, not per live refresh."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, insert, select

from bot.storage.database import reading
from bot.storage.schema import audit_log
from handoff.agents import Agent


class AuditLog:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, agent: Agent, action: str, handoff_id: int | None,
               conversation_id: str | None, subject: str | None = None) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(audit_log).values(
                agent_id=agent.id, username=agent.username, action=action,
                handoff_id=handoff_id, conversation_id=conversation_id, subject=subject,
                at=time.time()))

    def record_operator(self, operator: str, action: str, subject: str | None) -> None:
        """An action taken at the server's command line (agent id 0: no agent did it)."""
        with self.engine.begin() as connection:
            connection.execute(insert(audit_log).values(
                agent_id=0, username=f"cli:{operator}"[:64], action=action,
                subject=subject, at=time.time()))

    def entries(self, handoff_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if handoff_id is not None:
            query = query.where(audit_log.c.handoff_id == handoff_id)
        with reading(self.engine) as connection:
            return [{"id": row.id, "agent": row.username, "action": row.action,
                     "handoff_id": row.handoff_id, "conversation_id": row.conversation_id,
                     "subject": row.subject, "at": row.at} for row in connection.execute(query)]
