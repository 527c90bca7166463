"""Handing over to a human, and the security replies that come with it."""

from __future__ import annotations

from typing import Any

from actions.conversation import AskDetails
from actions.replies import render
from actions.sdk import Action, CollectingDispatcher, Domain, Tracker
from bot.conversations.store import ConversationStore
from bot.dialogue.state import QUEUED
from handoff.on_call import FREEZE_FIELD
from handoff.packet import build_packet
from handoff.queue import QUEUED as CASE_QUEUED
from handoff.queue import HandoffQueue
from handoff.routing import expected_wait_minutes, priority_number, urgency_of
from handoff.ticket_status import ticket_status_text

CARRIED_PACKET_FIELDS = (FREEZE_FIELD,)


def transcript(domain: Domain, conversation_id: str) -> list[dict[str, Any]]:
    return ConversationStore.transcript(domain.connection, conversation_id)


def faq_questions(domain: Domain, lang: str) -> dict[str, str]:
    return {entry.id: (entry.questions.get(lang) or entry.questions["en"])[0]
            for entry in domain.faq.entries}


class Handoff(Action):
    def name(self) -> str:
        return "handoff"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        connection, queue = domain.connection, domain.queue
        urgency, reason = params["urgency"], params["reason"]
        existing = HandoffQueue.open_for(connection, tracker.sender_id)
        if existing is not None:
            HandoffQueue.raise_priority(connection, existing.id, priority_number(urgency), reason)
            current = HandoffQueue.by_id(connection, existing.id)
            refresh_packet(domain, tracker, current)
            position = HandoffQueue.position(connection, current)
            dispatcher.utter_message(render(domain, tracker, "handoff_already_queued",
                                            position=position), kind="handoff_notice")
            return []
        conversation = ConversationStore.row(connection, tracker.sender_id)
        u = tracker.understanding
        packet = build_packet(
            conversation=conversation, transcript=transcript(domain, tracker.sender_id),
            dialogue=tracker.slots, intent=tracker.slots.get("intent") or u.intent,
            confidence=u.confidence, urgency=urgency, reason=reason, lang=tracker.lang,
            faq_questions=faq_questions(domain, tracker.lang), script=tracker.script,
        )
        # A P1 is never part of a declared incident's group (the policy does not tag it).
        incident_id = params.get("incident_id") if urgency != "P1" else None
        handoff_id = queue.enqueue(connection, tracker.sender_id, priority_number(urgency),
                                   reason, tracker.lang, packet["intent"], packet,
                                   incident_id=incident_id)
        row = HandoffQueue.by_id(connection, handoff_id)
        position = HandoffQueue.position(connection, row)
        wait = expected_wait_minutes(position, queue.agents_online(connection),
                                     domain.settings.handoff)
        key = "handoff_queued_p1" if urgency == "P1" else "handoff_queued"
        dispatcher.utter_message(render(domain, tracker, key, position=position,
                                        wait_minutes=wait),
                                 kind="handoff_notice", handoff_id=handoff_id)
        if params.get("ask_details"):
            AskDetails().act(dispatcher, tracker, domain, details=params["ask_details"])
        return [{"event": "handoff", "handoff_id": handoff_id, "reason": reason,
                 "urgency": urgency, "state": QUEUED}]


class Escalate(Action):
    """While queued or with an agent: raise the case's priority (a secret, a P1)."""

    def name(self) -> str:
        return "escalate"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        existing = HandoffQueue.open_for(domain.connection, tracker.sender_id)
        if existing is not None:
            HandoffQueue.raise_priority(domain.connection, existing.id,
                                        priority_number(params["urgency"]), params["reason"])
        return [{"event": "escalated", "urgency": params["urgency"]}]


class ForwardToAgent(Action):
    """The message is already stored; the agent console reads it from there. The packet
    is rebuilt around it (run last, after any escalation): what the agent reads beside
    the transcript never lags behind the queue card or the messages."""

    def name(self) -> str:
        return "forward_to_agent"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        existing = HandoffQueue.open_for(domain.connection, tracker.sender_id)
        if existing is not None:
            refresh_packet(domain, tracker, existing)
        return [{"event": "forwarded"}]


def refresh_packet(domain: Domain, tracker: Tracker, row: Any) -> None:
    """The open case's packet rebuilt from the conversation as it is now: its priority
    and reason from the case row (as the queue card shows them), the details and trail
    gathered so far, the FAQ answers sent, the summary over every message. The intent and
    confidence stay those the case was opened with."""
    before = dict(row.packet or {})
    lang = str(before.get("lang") or tracker.lang)
    packet = build_packet(
        conversation=ConversationStore.row(domain.connection, tracker.sender_id),
        transcript=transcript(domain, tracker.sender_id), dialogue=tracker.slots,
        intent=before.get("intent"), confidence=float(before.get("confidence") or 0.0),
        urgency=urgency_of(row.priority), reason=row.reason, lang=lang,
        faq_questions=faq_questions(domain, lang), script=tracker.script)
    # Facts recorded outside the conversation (a withdrawal freeze) stay in the packet.
    packet.update({key: before[key] for key in CARRIED_PACKET_FIELDS if key in before})
    HandoffQueue.replace_packet(domain.connection, row.id, packet)


class TicketStatus(Action):
    def name(self) -> str:
        return "ticket_status"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        connection = domain.connection
        asked = [e.value.get("id") for e in tracker.understanding.entities
                 if e.label == "ticket_id"]
        row = HandoffQueue.case_of(connection, tracker.sender_id, [str(t) for t in asked])
        text = ticket_status_text(connection, row,
                                  lambda key, **values: render(domain, tracker, key, **values))
        dispatcher.utter_message(text, kind="ticket_status",
                                 **({} if row is None else {"handoff_id": row.id}))
        return []


class QueuedNote(Action):
    """A message written while the case waits: it was added to the case, and where the
    trader stands (an incident told now: the case is urgent)."""

    def name(self) -> str:
        return "queued_note"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        connection = domain.connection
        # Read after any escalation of this turn (same transaction): its priority counts.
        row = HandoffQueue.open_for(connection, tracker.sender_id)
        if row is None or row.status != CASE_QUEUED:
            return []  # claimed meanwhile: the agent answers, not the bot
        position = HandoffQueue.position(connection, row)
        if params.get("urgent"):
            text = render(domain, tracker, "handoff_queued_p1", position=position)
        else:
            wait = expected_wait_minutes(position, domain.queue.agents_online(connection),
                                         domain.settings.handoff)
            text = render(domain, tracker, "queued_note", position=position,
                          wait_minutes=wait)
        dispatcher.utter_message(text, kind="queued_note", handoff_id=row.id)
        return []


class StoreCsat(Action):
    def name(self) -> str:
        return "store_csat"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        return [{"event": "csat", "score": int(params["score"])}]
