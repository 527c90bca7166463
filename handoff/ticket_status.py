"""What a trader is told when they ask about their case: one wording, whichever way the
question came (our own turn, or Rasa's `action_ticket_status`)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection

from handoff.queue import ASSIGNED, QUEUED, HandoffQueue


class Say(Protocol):
    def __call__(self, key: str, **values: Any) -> str: ...


def ticket_status_text(connection: Connection, row: Any, say: Say) -> str:
    """The reply for the trader's case `row` (None: they have none), rendered by `say`
    (a reply key and its values → the sentence in the trader's language and script)."""
    if row is None:
        return say("ticket_status_none")
    ticket = f"#{row.id}"
    if row.status == ASSIGNED:
        return say("ticket_status_with_agent", ticket=ticket)
    if row.status == QUEUED:
        return say("ticket_status_open", ticket=ticket, status=say("status_waiting"),
                   position=HandoffQueue.position(connection, row))
    return say("ticket_status_closed", ticket=ticket)
