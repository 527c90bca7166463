"""Incident mode end to end over HTTP, with the real model and a real database: declared
from the CLI (another process, as far as the server knows) or by a supervisor in the
console; the widget's banner, the bot's answers, the queue's group, the dashboard."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main as cli_main
from bot.incidents.templates import read_templates
from bot.taxonomy import SUPPORTED_LANGUAGES
from tests.conftest import AGENT_PASSWORD
from tests.server.helpers import kinds, open_conversation, say

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = read_templates(ROOT / "responses" / "incidents.yml", SUPPORTED_LANGUAGES)
WITHDRAWALS = TEMPLATES["withdrawals_delayed"].banner

# Questions about delayed withdrawals, written for these tests: (locale, text).
MATCHING = {
    "en": ("en-US", "My BTC withdrawal has been pending for three hours. Where is it?"),
    "de": ("de-DE", "Meine Auszahlung von 200 USDT hängt seit heute Morgen. Was ist los?"),
    "zh": ("zh-CN", "我的USDT提现已经三个小时了还没到账，怎么回事？"),
}
NOT_MATCHING = ("en-US", "How long does identity verification (KYC) take?")
# An account takeover that names the incident's own word ("withdrawal"): still P1.
TAKEOVER = ("en-US", "I did not make this withdrawal! Someone logged into my account from "
                     "another country and withdrew all my USDT.")


def incident_cli(*args: str) -> int:
    return cli_main(["--config", str(ROOT / "config.yml"), "incident", *args])


def banner_of(client: Any, conversation_id: str, locale: str | None = None) -> Any:
    query = f"?locale={locale}" if locale else ""
    response = client.get(f"/api/v1/conversations/{conversation_id}/incident{query}")
    assert response.status_code == 200, response.text
    return response.json()["incident"]


def eventually(check: Any, seconds: float = 8.0) -> Any:
    """The server's processes re-read the incident every `incidents.cache_seconds` (3)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def ask(client: Any, text_and_locale: tuple[str, str]) -> tuple[str, dict[str, Any]]:
    locale, text = text_and_locale
    conversation_id = open_conversation(client)
    return conversation_id, say(client, conversation_id, text, locale=locale)


def test_cli_incident_banner_answers_and_end(client, sqlite_url, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", sqlite_url)
    waiting = open_conversation(client)
    assert banner_of(client, waiting, "de-DE") is None

    german = "Auszahlungen dauern gerade länger. Wir arbeiten daran."
    assert incident_cli("start", "--template", "withdrawals_delayed",
                        "--banner", f"de={german}", "--keywords", "trc20") == 0
    printed = capsys.readouterr().out
    assert "started: Withdrawals delayed" in printed and "your banner: de" in printed

    # The widget's banner, in the browser's language while the conversation has none.
    shown = eventually(lambda: banner_of(client, waiting, "de-DE"))
    assert shown and shown["text"] == german and shown["lang"] == "de"
    assert banner_of(client, waiting, "zh-CN")["text"] == WITHDRAWALS["zh"]
    assert banner_of(client, waiting, "xx")["text"] == WITHDRAWALS["en"]  # unknown: English

    # A matching question is answered with the banner first, in the trader's language.
    for lang, question in MATCHING.items():
        conversation_id, turn = ask(client, question)
        assert turn["lang"] == lang, turn
        first = turn["replies"][0]
        assert first["kind"] == "incident_banner", (lang, kinds(turn))
        assert first["text"] == (german if lang == "de" else WITHDRAWALS[lang])
        # The conversation now has a language: the widget's banner follows it.
        assert banner_of(client, conversation_id, "en-US")["lang"] == lang
    # The operator's own word ties a message too.
    _, turn = ask(client, ("en-US", "Is TRC20 working today?"))
    assert turn["replies"][0]["kind"] == "incident_banner", kinds(turn)

    _, turn = ask(client, NOT_MATCHING)
    assert "incident_banner" not in kinds(turn), kinds(turn)

    # A takeover during the incident: the P1 path, no banner.
    _, turn = ask(client, TAKEOVER)
    assert turn["urgency"] == "P1" and turn["handoff"]["priority"] == "P1", turn
    assert "incident_banner" not in kinds(turn), kinds(turn)

    assert incident_cli("show") == 0 and "ACTIVE" in capsys.readouterr().out
    assert incident_cli("start", "--template", "maintenance") == 2  # one at a time
    assert "is active: end it first" in capsys.readouterr().err

    assert incident_cli("end") == 0
    assert eventually(lambda: banner_of(client, waiting, "de-DE") is None)
    _, turn = ask(client, MATCHING["en"])
    assert "incident_banner" not in kinds(turn), kinds(turn)
    assert incident_cli("end") == 2 and "no incident is active" in capsys.readouterr().err


def test_supervisor_declares_the_queue_groups_and_a_p1_stays_apart(client, services,  # type: ignore[no-untyped-def]
                                                                    agent_headers):
    services.agents.add("boss", AGENT_PASSWORD, ["en"], 5, "Boss", "supervisor")
    boss = agent_headers("boss", ["en"])
    alice = agent_headers("alice", ["en", "de", "zh"])

    refused = client.post("/api/v1/agent/incident", json={"template": "withdrawals_delayed"},
                          headers=alice)
    assert refused.status_code == 403, refused.text
    unknown = client.post("/api/v1/agent/incident", json={"template": "moon_landing"},
                          headers=boss)
    assert unknown.status_code == 422 and "withdrawals_delayed" in unknown.json()["detail"]
    english = "Withdrawals are slow today. We are on it; no need to send them again."
    declared = client.post("/api/v1/agent/incident", headers=boss, json={
        "template": "withdrawals_delayed", "banner_en": english})
    assert declared.status_code == 201, declared.text
    incident = declared.json()["incident"]
    assert incident["banner"]["en"] == english and incident["banner"]["de"] == WITHDRAWALS["de"]
    assert "en" not in declared.json()["template_text_in"]
    again = client.post("/api/v1/agent/incident", json={"template": "maintenance"}, headers=boss)
    assert again.status_code == 409

    grouped = []
    for question in MATCHING.values():
        conversation_id, turn = ask(client, question)
        assert turn["replies"][0]["kind"] == "incident_banner", kinds(turn)
        turn = say(client, conversation_id, "/request_human")
        assert turn["handoff"] is not None, turn
        grouped.append(turn["handoff"]["id"])
    conversation_id, _ = ask(client, NOT_MATCHING)
    apart = say(client, conversation_id, "/request_human")["handoff"]["id"]
    _, p1 = ask(client, TAKEOVER)
    assert p1["handoff"]["priority"] == "P1"

    queue = client.get("/api/v1/agent/queue", headers=alice).json()
    assert queue["incident"]["id"] == incident["id"]
    assert "keywords" not in queue["incident"]
    assert len(queue["groups"]) == 1
    group = queue["groups"][0]
    assert group["count"] == 3 and sorted(group["handoff_ids"]) == sorted(grouped), group
    assert group["title"] == "Withdrawals delayed"
    by_id = {item["id"]: item for item in queue["items"]}
    assert by_id[p1["handoff"]["id"]]["incident_id"] is None
    assert p1["handoff"]["id"] not in group["handoff_ids"] and apart not in group["handoff_ids"]
    assert queue["items"][0]["id"] == p1["handoff"]["id"]  # and it stays first

    dashboard = client.get("/api/v1/agent/dashboard", headers=alice).json()["incident"]
    assert dashboard["active"]["id"] == incident["id"]
    assert len(dashboard["messages_per_minute"]) == 60
    assert sum(dashboard["messages_per_minute"]) >= 3
    assert sum(dashboard["handoffs_per_minute"]) == 3

    assert client.post("/api/v1/agent/incident/end", headers=alice).status_code == 403
    assert client.post("/api/v1/agent/incident/end", headers=boss).status_code == 200
    assert client.post("/api/v1/agent/incident/end", headers=boss).status_code == 409
    queue = client.get("/api/v1/agent/queue", headers=alice).json()
    assert queue["incident"] is None and queue["groups"] == []
    # The cases stay in the queue as plain cards.
    assert set(grouped) <= {item["id"] for item in queue["items"]}

    audit = client.get("/api/v1/agent/audit", headers=boss).json()
    actions = [(entry["action"], entry["agent"]) for entry in audit]
    assert ("incident_start", "boss") in actions and ("incident_end", "boss") in actions
    assert any(f"incident #{incident['id']}" in (entry["subject"] or "") for entry in audit)


@pytest.mark.parametrize("body", [{"template": "withdrawals_delayed", "banner_en": ""},
                                  {"template": "withdrawals_delayed", "banner_en": "x" * 401},
                                  {"template": "withdrawals_delayed", "colour": "red"},
                                  {"template": "../etc"}])
def test_bad_declarations_are_refused_and_nothing_is_declared(client, services, agent_headers,  # type: ignore[no-untyped-def]
                                                               body):
    if services.agents.get("boss") is None:
        services.agents.add("boss", AGENT_PASSWORD, ["en"], 5, "Boss", "supervisor")
    boss = agent_headers("boss", ["en"])
    response = client.post("/api/v1/agent/incident", json=body, headers=boss)
    assert response.status_code == 422, response.text
    assert client.get("/api/v1/agent/incident", headers=boss).json()["incident"] is None
