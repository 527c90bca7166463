"""The desk's view of a declared incident: the cases about it, folded into one group card
("Incident: Withdrawals delayed — 37 waiting") so that the queue stays readable while
thousands ask the same thing. Pure.

A P1 is never folded in, whatever its tag: promise 1 (an account at risk gets a person
now) outranks tidiness. Cases of an incident that has ended go back to plain cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handoff.queue import QueueItem


def in_group(item: QueueItem, incident_id: int | None) -> bool:
    return incident_id is not None and item.incident_id == incident_id and item.priority != 1


def incident_groups(items: Sequence[QueueItem], incident: dict[str, Any] | None
                    ) -> list[dict[str, Any]]:
    """The active incident's group among the queue items an agent sees: its count and its
    members (most urgent, then longest waiting, first). Empty when nothing is grouped."""
    if incident is None:
        return []
    members = [item for item in items if in_group(item, int(incident["id"]))]
    if not members:
        return []
    return [{"incident_id": incident["id"], "title": incident["title"],
             "count": len(members), "handoff_ids": [item.id for item in members],
             "top_priority": f"P{min(item.priority for item in members)}",
             "oldest_queued_at": min(item.queued_at for item in members)}]
