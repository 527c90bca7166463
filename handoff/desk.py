"""What agents do to a conversation, and the notices the user sees as a result.

Every action checks the conversation is still the agent's (another agent, a release by
the heartbeat reaper, or a close may have happened in between) and answers with an outcome
the API maps to 200 / 404 / 409.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import Engine

from bot.config import Settings
from bot.conversations.store import ConversationStore
from bot.dialogue import state as st
from bot.dialogue.state import DialogueState
from bot.knowledge.replies import ReplyCatalog
from bot.nlu.chinese_script import in_script
from bot.nlu.secrets import SecretScanner
from bot.storage.database import reading
from handoff.agents import Agent, AgentDirectory
from handoff.queue import ASSIGNED, ClaimOutcome, HandoffQueue
from handoff.routing import urgency_of


class DeskOutcome(Enum):
    OK = "ok"
    MISSING = "missing"
    CONFLICT = "conflict"  # not yours, already taken, or closed


@dataclass(frozen=True)
class DeskResult:
    outcome: DeskOutcome
    detail: str = ""
    data: dict[str, Any] | None = None


class AgentDesk:
    def __init__(self, engine: Engine, queue: HandoffQueue, agents: AgentDirectory,
                 replies: ReplyCatalog, settings: Settings,
                 notify: Callable[[str], None] = lambda _id: None):
        self.engine = engine
        self.queue = queue
        self.agents = agents
        self.replies = replies
        self.settings = settings
        self.notify = notify
        self.secrets = SecretScanner()

    def _notice(self, connection: Any, conversation: Any, key: str, **values: Any) -> None:
        text = self.replies.render(key, conversation.lang or "en",
                                   **self.settings.links.model_dump(), **values)
        text = in_script(text, conversation.lang, conversation.script)
        payload: dict[str, Any] = {"kind": key}
        if key == "csat_prompt":
            payload["quick_replies"] = [{"title": "⭐" * n, "payload": str(n)}
                                        for n in range(1, 6)]
        ConversationStore.add_message(connection, conversation.id, "system", text, key,
                                      payload=payload)

    @staticmethod
    def _conversation(connection: Any, conversation_id: str) -> Any:
        return ConversationStore.row(connection, conversation_id)

    def claim(self, handoff_id: int, agent: Agent) -> tuple[ClaimOutcome, dict[str, Any] | None]:
        # One transaction: the handoff assigned and the conversation "with agent" together.
        with self.engine.begin() as connection:
            outcome = self.queue.claim(connection, handoff_id, agent)
            if outcome is not ClaimOutcome.CLAIMED:
                return outcome, None
            row = HandoffQueue.by_id(connection, handoff_id)
            conversation = self._conversation(connection, row.conversation_id)
            ConversationStore.save(connection, conversation.id, state=st.WITH_AGENT)
            self._notice(connection, conversation, "agent_joined", agent_name=agent.display_name)
            ConversationStore.record_event(connection, conversation.id, "claimed",
                                           {"handoff_id": handoff_id, "agent": agent.username,
                                            "wait_seconds": row.assigned_at - row.queued_at})
            behind = HandoffQueue.queued_conversations(connection)
        # Everyone still waiting moved up a place: their widgets show it without asking.
        for conversation_id in [row.conversation_id, *behind]:
            self.notify(conversation_id)
        return outcome, {"handoff_id": handoff_id, "conversation_id": row.conversation_id}

    def _mine(self, connection: Any, handoff_id: int, agent: Agent) -> Any:
        row = HandoffQueue.by_id(connection, handoff_id)
        if row is None:
            return None, DeskResult(DeskOutcome.MISSING, "no such handoff")
        if row.status != ASSIGNED or row.agent_id != agent.id:
            return None, DeskResult(DeskOutcome.CONFLICT,
                                    f"handoff {handoff_id} is {row.status} and not yours")
        return row, None

    def reply(self, handoff_id: int, agent: Agent, text: str) -> DeskResult:
        # Agents paste things too: the same redaction applies before storage.
        clean = self.secrets.scan_staff_text(text.strip())
        with self.engine.begin() as connection:
            row, problem = self._mine(connection, handoff_id, agent)
            if problem:
                return problem
            message_id = ConversationStore.add_message(
                connection, row.conversation_id, "agent", clean, "text",
                author_name=agent.display_name)
        self.notify(row.conversation_id)
        return DeskResult(DeskOutcome.OK, data={"message_id": message_id})

    def release(self, handoff_id: int, agent: Agent | None, reason: str = "released") -> DeskResult:
        with self.engine.begin() as connection:
            if agent is not None:
                row, problem = self._mine(connection, handoff_id, agent)
                if problem:
                    return problem
            else:
                row = HandoffQueue.by_id(connection, handoff_id)
            if not self.queue.release(connection, handoff_id, agent.id if agent else None):
                return DeskResult(DeskOutcome.CONFLICT, "not assigned")
            conversation = self._conversation(connection, row.conversation_id)
            ConversationStore.save(connection, conversation.id, state=st.QUEUED)
            name = agent.display_name if agent else self._agent_name(connection, row.agent_id)
            self._notice(connection, conversation, "agent_left", agent_name=name)
            ConversationStore.record_event(connection, conversation.id, reason,
                                           {"handoff_id": handoff_id})
            waiting = HandoffQueue.queued_conversations(connection)
        # Back in the queue, ahead of some: every waiting widget shows its new place.
        for conversation_id in waiting:
            self.notify(conversation_id)
        return DeskResult(DeskOutcome.OK)

    @staticmethod
    def _agent_name(connection: Any, agent_id: int | None) -> str:
        # Same connection as the caller's transaction: on SQLite a second one would wait
        # for the write lock this transaction holds.
        name = AgentDirectory.display_name(connection, agent_id)
        return str(name) if name else "—"

    def held_by(self, agent: Agent) -> list[dict[str, Any]]:
        """The conversations the agent holds, as the console's "Mine" list shows them,
        with the id of the user's newest message (unread when the agent has not seen it)."""
        rows = self.queue.assigned_to(agent)
        with reading(self.engine) as connection:
            last = ConversationStore.last_user_message_ids(
                connection, [row.conversation_id for row in rows])
        return [{"id": row.id, "conversation_id": row.conversation_id,
                 "priority": urgency_of(row.priority), "lang": row.lang, "intent": row.intent,
                 "last_user_message_id": last.get(row.conversation_id, 0)} for row in rows]

    def transfer_targets(self, agent: Agent) -> list[dict[str, Any]]:
        """Colleagues a conversation can go to now: signed in and heard from within the
        heartbeat timeout, with room under their capacity (the agent themself excluded)."""
        online_since = time.time() - self.settings.handoff.heartbeat_timeout_seconds
        with reading(self.engine) as connection:
            held = HandoffQueue.held_counts(connection)
        return [{"username": other.username, "display_name": other.display_name,
                 "languages": list(other.languages),
                 "free": other.capacity - held.get(other.id, 0)}
                for other in self.agents.list()
                if other.id != agent.id and other.last_heartbeat is not None
                and other.last_heartbeat >= online_since
                and held.get(other.id, 0) < other.capacity]

    def transfer(self, handoff_id: int, agent: Agent, to_username: str) -> DeskResult:
        target = self.agents.get(to_username)
        if target is None:
            return DeskResult(DeskOutcome.MISSING, f"There is no agent '{to_username}'.")
        if target.id == agent.id:
            return DeskResult(DeskOutcome.CONFLICT, "This conversation is already yours.")
        online_since = time.time() - self.settings.handoff.heartbeat_timeout_seconds
        if target.last_heartbeat is None or target.last_heartbeat < online_since:
            # The user would see "Bob joined" and nobody would answer.
            return DeskResult(DeskOutcome.CONFLICT,
                              f"{target.display_name} is offline: choose an agent online.")
        with self.engine.begin() as connection:
            row, problem = self._mine(connection, handoff_id, agent)
            if problem:
                return problem
            if not self.queue.transfer(connection, handoff_id, agent.id, target):
                return DeskResult(DeskOutcome.CONFLICT,
                                  f"{target.display_name} has no room for another "
                                  "conversation.")
            conversation = self._conversation(connection, row.conversation_id)
            self._notice(connection, conversation, "agent_left", agent_name=agent.display_name)
            self._notice(connection, conversation, "agent_joined",
                         agent_name=target.display_name)
            ConversationStore.record_event(connection, conversation.id, "transferred",
                                           {"from": agent.username, "to": target.username})
        self.notify(row.conversation_id)
        return DeskResult(DeskOutcome.OK)

    def close(self, handoff_id: int, agent: Agent, resolution: str) -> DeskResult:
        note = self.secrets.scan_staff_text(resolution.strip())
        with self.engine.begin() as connection:
            row, problem = self._mine(connection, handoff_id, agent)
            if problem:
                return problem
            self.queue.close(connection, handoff_id, agent.id, note)
            conversation = self._conversation(connection, row.conversation_id)
            dialogue = DialogueState.from_json(conversation.dialogue)
            dialogue.stage = st.AWAITING_CSAT
            ConversationStore.save(connection, conversation.id, state=st.CLOSED,
                                   resolved_by="agent", dialogue=dialogue.to_json(),
                                   closed_at=time.time())
            self._notice(connection, conversation, "conversation_closed")
            self._notice(connection, conversation, "csat_prompt")
            ConversationStore.record_event(connection, conversation.id, "closed",
                                           {"handoff_id": handoff_id, "resolution": note})
        self.notify(row.conversation_id)
        return DeskResult(DeskOutcome.OK)

    def requeue_silent_agents(self) -> list[int]:
        """Return the conversations of agents who stopped sending heartbeats to the queue."""
        with self.engine.begin() as connection:
            stale = self.queue.silent_agents_work(connection)
        returned = []
        for row in stale:
            if self.release(row.id, None, "agent_went_silent").outcome is DeskOutcome.OK:
                returned.append(row.id)
        return returned
