"""What the pager asks of the desk: is anyone online with room, which P1 cases wait, and
the packet's note of a withdrawal freeze. The queue's own tables, read and written here
so that bot/ops never touches them."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, func, select, update

from bot.storage.database import is_postgres
from bot.storage.schema import agents, handoffs

QUEUED, ASSIGNED = "queued", "assigned"
# The packet field the console shows ("withdrawals frozen at … by the trader").
FREEZE_FIELD = "withdrawals_freeze"


def agents_with_room(connection: Connection, heartbeat_timeout_seconds: float,
                     now: float | None = None) -> int:
    """Active agents whose console is alive and who hold fewer cases than their capacity."""
    cutoff = (time.time() if now is None else now) - heartbeat_timeout_seconds
    held = (select(handoffs.c.agent_id, func.count().label("held"))
            .where(handoffs.c.status == ASSIGNED).group_by(handoffs.c.agent_id).subquery())
    return int(connection.scalar(
        select(func.count()).select_from(agents.outerjoin(held, held.c.agent_id == agents.c.id))
        .where(agents.c.active.is_(True), agents.c.last_heartbeat >= cutoff,
               func.coalesce(held.c.held, 0) < agents.c.capacity)) or 0)


def waiting_p1(connection: Connection) -> list[Any]:
    """Queued P1 cases, oldest first."""
    return list(connection.execute(
        select(handoffs).where(handoffs.c.status == QUEUED, handoffs.c.priority == 1)
        .order_by(handoffs.c.queued_at, handoffs.c.id)).all())


def hold_if_waiting_p1(connection: Connection, handoff_id: int) -> Any:
    """The case, locked until the transaction ends (PostgreSQL; SQLite writers run one at a
    time already), if it is still a queued P1: two processes' watches page it once."""
    query = select(handoffs).where(handoffs.c.id == handoff_id, handoffs.c.status == QUEUED,
                                   handoffs.c.priority == 1)
    if is_postgres(connection.engine):
        query = query.with_for_update()
    return connection.execute(query).first()


def note_freeze(connection: Connection, handoff_id: int, note: dict[str, Any]) -> None:
    """Write the freeze's state into the case's packet (kept when the packet is rebuilt)."""
    query = select(handoffs.c.packet).where(handoffs.c.id == handoff_id)
    if is_postgres(connection.engine):
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        return
    packet = {**(row.packet or {}), FREEZE_FIELD: note}
    connection.execute(update(handoffs).where(handoffs.c.id == handoff_id).values(packet=packet))


def case(connection: Connection, handoff_id: int) -> Any:
    return connection.execute(select(handoffs).where(handoffs.c.id == handoff_id)).first()
