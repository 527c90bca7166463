"""Protecting an account at risk: the on-call page and the trader's withdrawal freeze.

Both calls are stored in the turn's transaction (bot.ops.webhooks) and leave once it
commits, from a background worker: a slow pager or exchange never holds up a reply."""

from __future__ import annotations

import time
from typing import Any

from actions.replies import render
from actions.sdk import Action, CollectingDispatcher, Domain, Tracker
from bot.conversations.store import ConversationStore
from bot.dialogue.takeover import FREEZE_NO, FREEZE_OFFER, FREEZE_YES
from bot.ops import webhooks
from bot.ops.freeze import freeze_available, freeze_body
from bot.ops.paging import NOBODY_ONLINE, page_facts, paging_enabled
from handoff import on_call
from handoff.queue import HandoffQueue

FREEZE_REQUESTED, FREEZE_DONE, FREEZE_FAILED = "requested", "frozen", "failed"


class PageOnCall(Action):
    """A P1 case waits: page the on-call when no agent with room is online. Once per
    case here; the pager's watch pages again while it stays unclaimed."""

    def name(self) -> str:
        return "page_on_call"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        settings, connection = domain.settings, domain.connection
        if not paging_enabled(settings.paging):
            return []
        case = HandoffQueue.open_for(connection, tracker.sender_id)
        if case is None or case.status != "queued" or case.priority != 1:
            return []
        if on_call.agents_with_room(connection, settings.handoff.heartbeat_timeout_seconds):
            return []
        if webhooks.latest(connection, webhooks.PAGE, handoff_id=case.id) is not None:
            return []  # paged already; repeats are the watch's
        facts = page_facts(settings.paging, handoff_id=case.id, priority=case.priority,
                           lang=case.lang, reason=case.reason, intent=case.intent,
                           channel=tracker.channel, queued_at=case.queued_at,
                           trigger=NOBODY_ONLINE)
        webhooks.enqueue(connection, webhooks.PAGE, facts, handoff_id=case.id,
                         conversation_id=tracker.sender_id)
        return [{"event": "on_call_paged", "handoff_id": case.id, "trigger": NOBODY_ONLINE}]


def freeze_buttons(domain: Domain, tracker: Tracker, *names: str) -> list[dict[str, str]]:
    titles = {FREEZE_OFFER: "quick_freeze", FREEZE_YES: "quick_yes", FREEZE_NO: "quick_no"}
    return [{"title": render(domain, tracker, titles[name]), "payload": name}
            for name in names]


def _freeze_state(domain: Domain, conversation_id: str) -> str | None:
    """requested | frozen | failed for the conversation's newest freeze (None: none)."""
    row = webhooks.latest(domain.connection, webhooks.FREEZE, conversation_id=conversation_id)
    if row is None:
        return None
    return {webhooks.PENDING: FREEZE_REQUESTED, webhooks.SENT: FREEZE_DONE}.get(
        row.state, FREEZE_FAILED)


def _verified_uid(domain: Domain, conversation_id: str) -> str | None:
    row = ConversationStore.row(domain.connection, conversation_id)
    return str(row.verified_uid) if row.verified_uid else None


class OfferFreeze(Action):
    def name(self) -> str:
        return "offer_freeze"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        if _freeze_state(domain, tracker.sender_id) in (FREEZE_REQUESTED, FREEZE_DONE):
            return []  # asked or done already: no second offer
        dispatcher.utter_message(render(domain, tracker, "freeze_offer"), kind="freeze_offer",
                                 quick_replies=freeze_buttons(domain, tracker, FREEZE_OFFER))
        return [{"event": "freeze_offered"}]


class AskFreezeConfirmation(Action):
    def name(self) -> str:
        return "ask_freeze_confirmation"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        dispatcher.utter_message(render(domain, tracker, "freeze_confirm_question"),
                                 kind="freeze_confirm",
                                 quick_replies=freeze_buttons(domain, tracker, FREEZE_YES,
                                                              FREEZE_NO))
        return []


class RequestFreeze(Action):
    """The trader confirmed: store the signed-at-send-time call to the exchange, once per
    request (a second press while it is on its way, or after it went through, says so)."""

    def name(self) -> str:
        return "request_freeze"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        uid = _verified_uid(domain, tracker.sender_id)
        if uid is None or not freeze_available(domain.settings.exchange):
            # The decision was made on the same row; checked again where the call is made.
            dispatcher.utter_message(render(domain, tracker, "freeze_not_available"),
                                     kind="freeze_refused")
            return [{"event": "freeze_refused"}]
        state = _freeze_state(domain, tracker.sender_id)
        if state in (FREEZE_REQUESTED, FREEZE_DONE):
            key = "freeze_already_requested" if state == FREEZE_REQUESTED else "freeze_already_done"
            dispatcher.utter_message(render(domain, tracker, key), kind="freeze_notice")
            return []
        now = time.time()
        case = HandoffQueue.open_for(domain.connection, tracker.sender_id)
        case_id = int(case.id) if case is not None else None
        body = freeze_body(uid=uid, conversation_id=tracker.sender_id, handoff_id=case_id,
                           requested_at=now)
        call_id = webhooks.enqueue(domain.connection, webhooks.FREEZE, body, handoff_id=case_id,
                                   conversation_id=tracker.sender_id, now=now)
        if case_id is not None:
            on_call.note_freeze(domain.connection, case_id,
                                {"state": FREEZE_REQUESTED, "by": "trader",
                                 "requested_at": now, "at": None})
        dispatcher.utter_message(render(domain, tracker, "freeze_requested"),
                                 kind="freeze_notice")
        return [{"event": "freeze_requested", "call": call_id, "handoff_id": case_id}]
