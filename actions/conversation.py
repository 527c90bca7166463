"""Answering: small talk, FAQ answers, "did this solve it?", clarification, details."""

from __future__ import annotations

from typing import Any

from actions.replies import quick_replies, render
from actions.sdk import Action, CollectingDispatcher, Domain, Tracker
from bot.nlu.faq_index import render_answer


class Utter(Action):
    def name(self) -> str:
        return "utter"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        key = params["key"]
        dispatcher.utter_message(render(domain, tracker, key, **params.get("values", {})),
                                 kind=key,
                                 quick_replies=quick_replies(domain, tracker,
                                                             params.get("quick_replies", [])))
        return []


class AnswerFaq(Action):
    def name(self) -> str:
        return "answer_faq"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        entry = domain.faq.by_id[params["entry_id"]]
        text = render_answer(entry, tracker.lang, tracker.script, domain.settings.links)
        dispatcher.utter_message(text, kind="faq_answer", faq_entry=entry.id)
        return [{"event": "faq_answered", "entry_id": entry.id, "intent": entry.intent}]


class AskResolved(Action):
    def name(self) -> str:
        return "ask_resolved"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        dispatcher.utter_message(render(domain, tracker, "ask_resolved"), kind="ask_resolved",
                                 quick_replies=quick_replies(domain, tracker,
                                                             ["yes", "no", "human"]))
        return []


class Clarify(Action):
    def name(self) -> str:
        return "clarify"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        first, second = params["options"]
        labels = [render(domain, tracker, f"intent_label_{intent}") for intent in (first, second)]
        buttons = [{"title": label, "payload": f"/{intent}"}
                   for label, intent in zip(labels, (first, second), strict=True)]
        text = render(domain, tracker, "clarify", option_a=labels[0], option_b=labels[1])
        dispatcher.utter_message(text, kind="clarify", quick_replies=buttons)
        return []


class AskDetails(Action):
    def name(self) -> str:
        return "ask_details"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        names = [render(domain, tracker, f"detail_{detail}") for detail in params["details"]]
        separator = "、" if tracker.lang in ("zh", "ja") else ", "
        text = render(domain, tracker, "ask_details", details=separator.join(names))
        dispatcher.utter_message(text, kind="ask_details",
                                 quick_replies=quick_replies(domain, tracker, ["skip", "human"]))
        return []


class MarkResolved(Action):
    """The user said the answer solved it: the conversation counts as bot-resolved."""

    def name(self) -> str:
        return "resolved"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        return [{"event": "bot_resolved", "intent": tracker.slots.get("intent")}]
