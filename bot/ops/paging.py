"""Paging the on-call: what a page says and how each vendor wants it.

A page carries facts about the case only (number, priority, language, reason, how long it
waits, a link to the console): never the trader's words, nor anything the scanner
redacted. `page_facts` is what is stored; `page_request` builds the vendor's request at
send time, with the key from the environment."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from bot.config import PagingSettings
from bot.ops.webhooks import Request
from handoff.packet import LANGUAGE_NAMES, REASONS

KEY_ENV = "SUPPORTBOT_PAGING_KEY"
URL_ENV = "SUPPORTBOT_PAGING_URL"
# Why a page was sent.
NOBODY_ONLINE, SLA_BREACHED, STILL_UNCLAIMED, FREEZE_FAILED = (
    "nobody_online", "sla_breached", "still_unclaimed", "freeze_failed")
TRIGGER_TEXT = {
    NOBODY_ONLINE: "no agent with room is online",
    SLA_BREACHED: "it waits past its SLA",
    STILL_UNCLAIMED: "it is still unclaimed",
    FREEZE_FAILED: "the trader's withdrawal freeze did not go through",
}


def paging_url(settings: PagingSettings) -> str:
    return os.environ.get(URL_ENV, "").strip() or settings.url.strip()


def paging_enabled(settings: PagingSettings) -> bool:
    return bool(paging_url(settings))


def dedup_key(handoff_id: int) -> str:
    """One per case: the vendor folds repeated pages about one case into one incident."""
    return f"supportbot-case-{handoff_id}"


def console_link(settings: PagingSettings, handoff_id: int) -> str:
    return f"{settings.console_url}#case-{handoff_id}"


def page_facts(settings: PagingSettings, *, handoff_id: int, priority: int, lang: str,
               reason: str, intent: str | None, channel: str | None, queued_at: float,
               trigger: str) -> dict[str, Any]:
    """What is stored for a page: facts about the case, no user text."""
    return {
        "case": handoff_id, "priority": f"P{priority}", "lang": lang,
        "language": LANGUAGE_NAMES.get(lang, lang), "reason": reason,
        "reason_text": REASONS.get(reason, reason), "intent": intent, "channel": channel,
        "queued_at": queued_at, "trigger": trigger, "dedup_key": dedup_key(handoff_id),
        "link": console_link(settings, handoff_id),
    }


def summary_line(facts: dict[str, Any]) -> str:
    return (f"{facts['priority']} case #{facts['case']} waits: "
            f"{TRIGGER_TEXT.get(facts['trigger'], facts['trigger'])} "
            f"({facts['reason_text']}, {facts['language']})")


def page_request(settings: PagingSettings, facts: dict[str, Any],
                 key: str | None = None) -> Request | None:
    """The vendor's request for a stored page; None when paging is off."""
    url = paging_url(settings)
    if not url:
        return None
    key = key if key is not None else os.environ.get(KEY_ENV, "")
    body, headers = _shape(settings, facts, key)
    return Request(url, json.dumps(body, ensure_ascii=False).encode(), headers)


def _shape(settings: PagingSettings, facts: dict[str, Any],
           key: str) -> tuple[dict[str, Any], dict[str, str]]:
    summary = summary_line(facts)
    details = {k: facts[k] for k in ("case", "priority", "lang", "language", "reason", "intent",
                                     "channel", "trigger", "link")}
    waiting_since = datetime.fromtimestamp(float(facts["queued_at"]), UTC).isoformat()
    if settings.shape == "pagerduty":
        # Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
        return {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": facts["dedup_key"],
            "payload": {
                "summary": summary[:1024],
                "source": settings.source,
                "severity": "critical",
                "timestamp": waiting_since,
                "component": "support-queue",
                "group": facts["lang"],
                "class": facts["reason"],
                "custom_details": details,
            },
            "links": [{"href": facts["link"], "text": f"Case #{facts['case']} in the console"}],
            "client": "supportbot",
        }, {}
    if settings.shape == "opsgenie":
        # Alert API (https://docs.opsgenie.com/docs/alert-api#create-alert).
        return {
            "message": summary[:130],
            "alias": facts["dedup_key"],
            "description": f"{summary}.\nOpen the case: {facts['link']}",
            "priority": "P1",
            "source": settings.source,
            "entity": f"case-{facts['case']}",
            "tags": ["supportbot", facts["reason"], facts["lang"]],
            "details": {k: str(v) for k, v in details.items()},
        }, ({"Authorization": f"GenieKey {key}"} if key else {})
    if settings.shape == "slack":
        # Incoming webhook (https://api.slack.com/messaging/webhooks): the URL is the key.
        return {"text": f":rotating_light: {summary}. <{facts['link']}|Open the case>"}, {}
    generic = {"event": "page", "summary": summary, "dedup_key": facts["dedup_key"],
               "waiting_since": waiting_since, **details}
    return generic, ({"Authorization": f"Bearer {key}"} if key else {})
