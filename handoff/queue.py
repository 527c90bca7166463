"""The prioritized handoff queue, shared by every server process through the database.

Order: priority P1 → P4, then waiting time. A claim is one conditional UPDATE
(status='queued' → 'assigned'): whatever the race, the database lets exactly one through.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, func, insert, or_, select, update

from bot.config import HandoffSettings
from bot.storage.database import is_postgres, reading
from bot.storage.schema import agents, handoffs
from handoff.agents import Agent
from handoff.routing import offered_to, sla_status

QUEUED, ASSIGNED, CLOSED = "queued", "assigned", "closed"


class ClaimOutcome(Enum):
    CLAIMED = "claimed"
    TAKEN = "taken"  # another agent holds it, or it is closed
    NOT_OFFERED = "not_offered"  # not yet offered outside its language
    AT_CAPACITY = "at_capacity"
    MISSING = "missing"


@dataclass(frozen=True)
class QueueItem:
    id: int
    conversation_id: str
    priority: int
    reason: str
    lang: str
    intent: str | None
    queued_at: float
    waiting_seconds: float
    sla_deadline: float
    sla_seconds_left: float
    sla_breached: bool
    summary: str
    # The packet's identity block (bot.identity.view): the card shows "verified" or not.
    identity: dict[str, Any] | None = None
    incident_id: int | None = None  # the declared incident it is about (grouped on the desk)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "priority": f"P{self.priority}"}


def _order() -> tuple[Any, ...]:
    return (handoffs.c.priority.asc(), handoffs.c.queued_at.asc(), handoffs.c.id.asc())



# Asked on every turn of a queued conversation: built once, executed with parameters
# (building a statement costs more Python than running its cached compiled form).
_OPEN_FOR = (select(handoffs)
             .where(handoffs.c.conversation_id == bindparam("conversation"),
                    handoffs.c.status.in_((QUEUED, ASSIGNED)))
             .order_by(handoffs.c.id.desc()))
_AHEAD = select(func.count()).select_from(handoffs).where(
    handoffs.c.status == QUEUED,
    or_(handoffs.c.priority < bindparam("priority"),
        and_(handoffs.c.priority == bindparam("priority"),
             or_(handoffs.c.queued_at < bindparam("queued_at"),
                 and_(handoffs.c.queued_at == bindparam("queued_at"),
                      handoffs.c.id < bindparam("id"))))))

class HandoffQueue:
    def __init__(self, engine: Engine, settings: HandoffSettings):
        self.engine = engine
        self.settings = settings

    # --- inside a conversation turn (caller's transaction) ---------------------------
    def enqueue(self, connection: Connection, conversation_id: str, priority: int, reason: str,
                lang: str, intent: str | None, packet: dict[str, Any],
                incident_id: int | None = None) -> int:
        result = connection.execute(insert(handoffs).values(
            conversation_id=conversation_id, status=QUEUED, priority=priority, reason=reason,
            lang=lang, intent=intent, packet=packet, queued_at=time.time(),
            incident_id=incident_id))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    @staticmethod
    def open_for(connection: Connection, conversation_id: str) -> Any:
        return connection.execute(_OPEN_FOR, {"conversation": conversation_id}).first()

    @staticmethod
    def latest_for(connection: Connection, conversation_id: str) -> Any:
        """The conversation's newest case, whatever its status (None: never handed over)."""
        return connection.execute(select(handoffs).where(
            handoffs.c.conversation_id == conversation_id)
            .order_by(handoffs.c.id.desc())).first()

    @staticmethod
    def by_id(connection: Connection, handoff_id: int) -> Any:
        return connection.execute(select(handoffs).where(handoffs.c.id == handoff_id)).first()

    @staticmethod
    def position(connection: Connection, row: Any) -> int:
        """1 + the queued conversations that come before this one."""
        if row.status != QUEUED:
            return 0
        ahead = connection.scalar(_AHEAD, {"priority": row.priority,
                                           "queued_at": row.queued_at, "id": row.id})
        return int(ahead or 0) + 1

    @staticmethod
    def case_of(connection: Connection, conversation_id: str, asked: list[str]) -> Any:
        """The conversation's case by a number the user gave, else its newest one. Only the
        user's own cases: a number alone must not reveal anyone else's."""
        query = select(handoffs).where(handoffs.c.conversation_id == conversation_id)
        for ticket in asked:
            if ticket.isdigit():
                row = connection.execute(query.where(handoffs.c.id == int(ticket))).first()
                if row is not None:
                    return row
        return connection.execute(query.order_by(handoffs.c.id.desc())).first()

    @staticmethod
    def queued_conversations(connection: Connection) -> list[str]:
        """The conversations waiting in the queue: their places move when a case ahead
        of them is claimed or released."""
        return [str(c) for c in connection.scalars(
            select(handoffs.c.conversation_id).where(handoffs.c.status == QUEUED))]

    @staticmethod
    def waiting_by_priority(connection: Connection) -> dict[int, tuple[int, float]]:
        """Queued cases per priority: (how many, when the oldest was queued)."""
        rows = connection.execute(
            select(handoffs.c.priority, func.count(), func.min(handoffs.c.queued_at))
            .where(handoffs.c.status == QUEUED).group_by(handoffs.c.priority)).all()
        return {int(p): (int(n), float(q)) for p, n, q in rows}

    @staticmethod
    def figures(connection: Connection) -> dict[str, Any]:
        """What the dashboard shows about handoffs."""
        return {
            "conversations": int(connection.scalar(
                select(func.count(handoffs.c.conversation_id.distinct()))) or 0),
            "reasons": {str(reason): int(count) for reason, count in connection.execute(
                select(handoffs.c.reason, func.count()).group_by(handoffs.c.reason)).all()},
            "waits": [float(a - q) for q, a in connection.execute(
                select(handoffs.c.queued_at, handoffs.c.first_assigned_at)
                .where(handoffs.c.first_assigned_at.is_not(None))).all()],
        }

    @staticmethod
    def incident_queued_times(connection: Connection, since: float) -> list[float]:
        """When each case about a declared incident was queued, since `since` (the
        dashboard's spike chart)."""
        return [float(t) for t in connection.scalars(
            select(handoffs.c.queued_at).where(handoffs.c.incident_id.is_not(None),
                                               handoffs.c.queued_at >= since))]

    @staticmethod
    def raise_priority(connection: Connection, handoff_id: int, priority: int, reason: str) -> None:
        # A case that becomes P1 leaves any declared incident's group: it is not "one more
        # of the same" any longer.
        untag = {"incident_id": None} if priority == 1 else {}
        connection.execute(update(handoffs).where(
            handoffs.c.id == handoff_id, handoffs.c.priority > priority
        ).values(priority=priority, reason=reason, **untag))

    @staticmethod
    def replace_packet(connection: Connection, handoff_id: int, packet: dict[str, Any]) -> None:
        connection.execute(update(handoffs).where(handoffs.c.id == handoff_id)
                           .values(packet=packet))

    # --- for agents --------------------------------------------------------------------
    def listing(self, agent: Agent | None = None, lang: str | None = None) -> list[QueueItem]:
        now = time.time()
        query = select(handoffs).where(handoffs.c.status == QUEUED).order_by(*_order())
        if lang:
            query = query.where(handoffs.c.lang == lang)
        with reading(self.engine) as connection:
            rows = connection.execute(query).all()
        items = []
        for row in rows:
            if agent is not None and not offered_to(agent.languages, row.lang, row.queued_at,
                                                    now, self.settings):
                continue
            sla = sla_status(row.priority, row.queued_at, now, self.settings)
            items.append(QueueItem(
                row.id, row.conversation_id, row.priority, row.reason, row.lang, row.intent,
                row.queued_at, now - row.queued_at, sla.deadline, sla.seconds_left, sla.breached,
                str((row.packet or {}).get("summary", "")),
                (row.packet or {}).get("identity") or {"verified": False, "via": None},
                row.incident_id))
        return items

    def claim(self, connection: Connection, handoff_id: int, agent: Agent) -> ClaimOutcome:
        """Assign a queued handoff, in the caller's transaction (the desk updates the
        conversation in the same one: a crash leaves both or neither).

        The agent's row is locked first (PostgreSQL: FOR UPDATE; SQLite serialises every
        write transaction already), so the count of what they hold cannot miss claims of
        theirs that are still committing: ten simultaneous claims by an agent of capacity
        3 leave exactly 3."""
        now = time.time()
        _hold_agent(connection, agent.id)
        row = self.by_id(connection, handoff_id)
        if row is None:
            return ClaimOutcome.MISSING
        if row.status != QUEUED:
            return ClaimOutcome.TAKEN
        if not offered_to(agent.languages, row.lang, row.queued_at, now, self.settings):
            return ClaimOutcome.NOT_OFFERED
        if _held_by(connection, agent.id) >= agent.capacity:
            return ClaimOutcome.AT_CAPACITY
        result = connection.execute(update(handoffs).where(
            handoffs.c.id == handoff_id, handoffs.c.status == QUEUED,
        ).values(status=ASSIGNED, agent_id=agent.id, assigned_at=now,
                 first_assigned_at=func.coalesce(handoffs.c.first_assigned_at, now)))
        return ClaimOutcome.CLAIMED if result.rowcount == 1 else ClaimOutcome.TAKEN

    def release(self, connection: Connection, handoff_id: int, agent_id: int | None) -> bool:
        """Back to the queue, keeping its original place (queued_at is unchanged)."""
        condition = [handoffs.c.id == handoff_id, handoffs.c.status == ASSIGNED]
        if agent_id is not None:
            condition.append(handoffs.c.agent_id == agent_id)
        result = connection.execute(update(handoffs).where(*condition)
                                    .values(status=QUEUED, agent_id=None, assigned_at=None))
        return result.rowcount == 1

    def transfer(self, connection: Connection, handoff_id: int, from_agent: int,
                 to_agent: Agent) -> bool:
        _hold_agent(connection, to_agent.id)  # as in claim: the count must be exact
        if _held_by(connection, to_agent.id) >= to_agent.capacity:
            return False
        result = connection.execute(update(handoffs).where(
            handoffs.c.id == handoff_id, handoffs.c.status == ASSIGNED,
            handoffs.c.agent_id == from_agent,
        ).values(agent_id=to_agent.id, assigned_at=time.time()))
        return result.rowcount == 1

    @staticmethod
    def held_counts(connection: Connection) -> dict[int, int]:
        """Conversations each agent holds now (agents holding none are absent)."""
        rows = connection.execute(
            select(handoffs.c.agent_id, func.count()).where(handoffs.c.status == ASSIGNED)
            .group_by(handoffs.c.agent_id)).all()
        return {int(agent_id): int(count) for agent_id, count in rows}

    def close(self, connection: Connection, handoff_id: int, agent_id: int,
              resolution: str) -> bool:
        result = connection.execute(update(handoffs).where(
            handoffs.c.id == handoff_id, handoffs.c.status == ASSIGNED,
            handoffs.c.agent_id == agent_id,
        ).values(status=CLOSED, closed_at=time.time(), resolution=resolution))
        return result.rowcount == 1

    def silent_agents_work(self, connection: Connection) -> list[Any]:
        """Assigned conversations whose agent stopped sending heartbeats."""
        cutoff = time.time() - self.settings.heartbeat_timeout_seconds
        query = (select(handoffs.c.id, handoffs.c.conversation_id, handoffs.c.agent_id,
                        agents.c.display_name)
                 .join(agents, agents.c.id == handoffs.c.agent_id)
                 .where(handoffs.c.status == ASSIGNED,
                        or_(agents.c.last_heartbeat.is_(None), agents.c.last_heartbeat < cutoff)))
        if is_postgres(self.engine):
            query = query.with_for_update(skip_locked=True, of=handoffs)
        return list(connection.execute(query).all())

    def agents_online(self, connection: Connection) -> int:
        cutoff = time.time() - self.settings.heartbeat_timeout_seconds
        return int(connection.scalar(select(func.count()).select_from(agents).where(
            agents.c.active.is_(True), agents.c.last_heartbeat >= cutoff)) or 0)

    def assigned_to(self, agent: Agent) -> list[Any]:
        with reading(self.engine) as connection:
            return list(connection.execute(select(handoffs).where(
                handoffs.c.agent_id == agent.id, handoffs.c.status == ASSIGNED)
                .order_by(*_order())).all())


def _hold_agent(connection: Connection, agent_id: int) -> None:
    """Lock the agent's row until the transaction ends (PostgreSQL). Every claim and
    transfer to this agent waits here, so their "how many do I hold" counts run in turn."""
    if is_postgres(connection.engine):
        connection.execute(select(agents.c.id).where(agents.c.id == agent_id).with_for_update())


def _held_by(connection: Connection, agent_id: int) -> int:
    return int(connection.scalar(select(func.count()).select_from(handoffs).where(
        handoffs.c.agent_id == agent_id, handoffs.c.status == ASSIGNED)) or 0)
