"""During a declared incident (bot.incidents): its banner, said first to a message about it."""

from __future__ import annotations

from typing import Any

from actions.sdk import Action, CollectingDispatcher, Domain, Tracker
from bot.incidents.matching import banner_text
from bot.nlu.chinese_script import in_script


class IncidentBanner(Action):
    """Say the incident's status in the trader's language and script (unless a human
    has the conversation: `say` is false), and record that the message was about it (the
    dashboard's spike chart counts these events)."""

    def name(self) -> str:
        return "incident_banner"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        incident_id = int(params["incident_id"])
        if params.get("say", True):
            text = in_script(banner_text(params["banner"], tracker.lang), tracker.lang,
                             tracker.script)
            dispatcher.utter_message(text, kind="incident_banner", incident_id=incident_id)
        return [{"event": "incident_matched", "incident_id": incident_id}]
