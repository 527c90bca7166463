"""The Rasa bridge without a Rasa server: our NLU in Rasa's parse shape (and its errors),
the actions' calls, the exported project, and the way back when Rasa is down or slow."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.rasa import TOKEN_ENV
from bot.channels.rasa.export import export_project, routes
from bot.channels.rasa.sending import RasaChannel, tracker_events
from bot.channels.rasa.tracker_events import history_since_resume, split_last_user
from bot.channels.rendering import plain_text
from bot.conversations.deliveries import Deliveries, Outgoing
from bot.nlu.rasa_format import read_payload
from bot.taxonomy import ALL_INTENTS, SUPPORTED_LANGUAGES
from tests.phrases import seed_phrase
from tests.server.live_server import free_port

TOKEN = "a-long-enough-rasa-bridge-token"
# A real phrase (its checksum passes): twelve list words that fail it and are named as
# nothing read as prose.
SEED = seed_phrase("english", 128)
SEED_START = " ".join(SEED.split()[:2])


@pytest.fixture
def rasa_token(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN


def _parse(client, body: Any, **params: str):  # type: ignore[no-untyped-def]
    return client.post("/model/parse", params=params,
                       content=body if isinstance(body, bytes) else json.dumps(body))


def test_parse_answers_in_rasa_shape_with_our_extras(client, rasa_token):  # type: ignore[no-untyped-def]
    response = _parse(client, {"text": "我的提现两天了还没到账 0.5 BTC", "token": TOKEN})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["intent"]["name"] == "withdrawal_delay"
    assert 0 < body["intent"]["confidence"] <= 1
    assert body["intent_ranking"][0]["name"] == body["intent"]["name"]
    entities = {e["entity"]: e for e in body["entities"]}
    assert set(entities) >= {"amount", "language"}
    asset = entities["amount"]
    assert body["text"][asset["start"]:asset["end"]] == asset["value"]
    assert asset["extractor"] == "SupportbotNLU"
    assert entities["language"]["value"] == "zh"
    assert body["supportbot"]["language"] == "zh"
    assert body["supportbot"]["urgency"] in ("P1", "P2", "P3", "P4")


def test_a_secret_never_leaves_in_the_parse(client, rasa_token):  # type: ignore[no-untyped-def]
    for text in (f"my seed is {SEED}", "мой пароль hunter2Secret!"):
        response = _parse(client, {"text": text}, token=TOKEN)
        assert response.status_code == 200
        raw = response.text
        assert "hunter2Secret" not in raw and SEED_START not in raw
        assert response.json()["supportbot"]["secrets"]


def test_button_payloads_are_read_as_rasa_does(client, rasa_token):  # type: ignore[no-untyped-def]
    body = _parse(client, {"text": "/request_human"}, token=TOKEN).json()
    assert body["intent"] == {"name": "request_human", "confidence": 1.0}
    assert read_payload('/csat{"score": 5}', frozenset({"csat"})) == (
        "csat", 1.0, [{"entity": "score", "start": 5, "end": 17, "value": 5,
                       "extractor": "SupportbotNLU"}])
    assert read_payload("/help me please", frozenset(ALL_INTENTS)) is None
    assert read_payload("/request_human{not json", frozenset(ALL_INTENTS)) is None


def test_parse_errors_in_rasa_shape(client, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    off = _parse(client, {"text": "hello"}, token="anything")
    assert off.status_code == 404 and off.json()["reason"] == "BridgeOff"
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    for bad, code in (({"text": "hello"}, 401), ({"text": "hello", "token": "wrong"}, 401),
                      ({"message_id": "u1"}, 422), ({"text": 42}, 422), ([1, 2], 422),
                      ({"text": "hi", "message_id": ""}, 422), (b"{not json", 400)):
        response = _parse(client, bad)
        assert response.status_code == code, (bad, response.text)
        error = response.json()
        assert error["status"] == "failure" and error["code"] == code
        assert {"version", "message", "reason", "details", "help"} <= set(error)
    too_long = _parse(client, {"text": "x" * 50_000, "message_id": "u1"}, token=TOKEN)
    assert too_long.status_code in (200, 422)  # understood cut, or refused: never a 500


def test_actions_need_the_token_and_a_known_name(client, rasa_token):  # type: ignore[no-untyped-def]
    body = {"sender_id": "u1", "events": []}
    assert client.post("/api/v1/rasa/actions/action_handoff", json=body).status_code == 401
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post("/api/v1/rasa/actions/action_delete_everything", json=body,
                       headers=headers).status_code == 422
    assert client.post("/api/v1/rasa/actions/action_handoff", json={"events": []},
                       headers=headers).status_code == 422


def _events(*turns: tuple[str, str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    for number, (author, text) in enumerate(turns):
        event: dict[str, Any] = {"event": author, "text": text, "timestamp": time.time()}
        if author == "user":
            event["message_id"] = f"m{number}"
        events.append(event)
    return events


def test_handoff_brings_the_history_redacted_and_later_messages_reach_the_agent(
        client, services, rasa_token, agent_headers):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    events = _events(("user", "hola"), ("bot", "¡Hola! ¿En qué puedo ayudarte?"),
                     ("user", f"mi frase semilla es {SEED}"), ("bot", "…"),
                     ("user", "quiero hablar con una persona"))
    response = client.post("/api/v1/rasa/actions/action_handoff", headers=headers,
                           json={"sender_id": "rasa-user-1", "events": events})
    assert response.status_code == 200, response.text
    # No SUPPORTBOT_RASA_URL here: what the handoff made us say comes back to the action
    # (the checklist and the P1 queue notice, in Spanish), counted as delivered.
    outcome = response.json()
    assert outcome["pause"] is True and len(outcome["messages"]) >= 1
    assert any("cola" in m["text"] for m in outcome["messages"]), outcome
    agent = agent_headers("ana", ["es", "en"])
    items = client.get("/api/v1/agent/queue", headers=agent).json()["items"]
    assert len(items) == 1 and items[0]["priority"] == "P1"  # the seed phrase in history
    case = client.get(f"/api/v1/agent/handoffs/{items[0]['id']}", headers=agent).json()
    texts = [m["text"] for m in case["messages"]]
    assert "hola" in texts and not any(SEED_START in t for t in texts)
    assert any("[REDACTED:seed_phrase]" in t for t in texts)
    assert case["conversation"]["channel"] == "rasa" and case["packet"]["lang"] == "es"
    # The history counts as seen by the user, and what the action said too.
    assert Deliveries(services.db).pending(case["conversation"]["id"], ("rasa",)) == []
    # A second handoff while queued imports nothing again.
    again = client.post("/api/v1/rasa/actions/action_handoff", headers=headers,
                        json={"sender_id": "rasa-user-1", "events": events})
    assert again.json()["pause"] is True
    # Rasa is paused: what the user writes now arrives through the NLU call.
    parsed = _parse(client, {"text": "el retiro es 0.5 ETH", "message_id": "rasa-user-1",
                             "token": TOKEN}).json()
    assert parsed["supportbot"]["language"] == "es"
    case = client.get(f"/api/v1/agent/handoffs/{items[0]['id']}", headers=agent).json()
    assert case["messages"][-2]["text"] == "el retiro es 0.5 ETH"
    # The user is told, in Spanish, that it reached the waiting case.
    note = case["messages"][-1]
    assert note["author"] == "bot" and "cola" in note["text"], note


def test_answer_faq_hands_over_a_p1_and_answers_the_rest(client, rasa_token):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answered = client.post("/api/v1/rasa/actions/action_answer_faq", headers=headers, json={
        "sender_id": "u2", "events": _events(("user", "how do I deposit USDT on TRC20?"))})
    body = answered.json()
    assert body["pause"] is False and body["messages"][0]["kind"] == "faq_answer"
    taken = client.post("/api/v1/rasa/actions/action_answer_faq", headers=headers, json={
        "sender_id": "u3", "events": _events((
            "user", "someone logged into my account and withdrew all my BTC, it wasn't me"))})
    assert taken.json()["pause"] is True
    status = client.post("/api/v1/rasa/actions/action_ticket_status", headers=headers, json={
        "sender_id": "u3", "events": _events(("user", "what's the status of my ticket?"))})
    assert status.json()["pause"] is True  # with the desk: Rasa stays paused


def test_a_trading_lock_asked_for_reaches_a_person_through_rasa(  # type: ignore[no-untyped-def]
        client, rasa_token, agent_headers):
    # Self-exclusion (0.11.19): not a takeover page, but only a person sets the lock, so
    # whichever of our actions Rasa picked, the bridge hands it over, at P2.
    headers = {"Authorization": f"Bearer {TOKEN}"}
    outcome = client.post("/api/v1/rasa/actions/action_answer_faq", headers=headers, json={
        "sender_id": "u4", "events": _events((
            "user", "please lock my account for 30 days, I keep revenge trading and need "
                    "a break"))}).json()
    assert outcome["pause"] is True
    items = client.get("/api/v1/agent/queue", headers=agent_headers("ana", ["en"])).json()["items"]
    assert [(i["priority"], i["reason"]) for i in items] == [("P2", "self_exclusion")]


def test_a_rating_payload_reads_as_its_score() -> None:
    from bot.channels.rasa.bridge import _rating_text

    assert _rating_text('/csat{"score": 4}') == "4"
    assert _rating_text("⭐⭐⭐") == "⭐⭐⭐"
    assert _rating_text("/csat") == "/csat"


def test_tracker_history_starts_after_the_last_resume() -> None:
    events = [*_events(("user", "a"), ("bot", "b")), {"event": "pause"},
              {"event": "user", "text": "seen by the agent"}, {"event": "resume"},
              *_events(("user", "c"), ("bot", "d"), ("user", "e"))[1:]]
    history, last = split_last_user(history_since_resume(events))
    assert [text for _, text, _ in history] == ["c", "d"] and last is not None
    assert last[1] == "e"


def test_export_writes_a_project_rasa_can_read(tmp_path: Path, settings, services) -> None:  # type: ignore[no-untyped-def]
    written = export_project(tmp_path, settings, services.replies, "http://127.0.0.1:1",
                             "http://127.0.0.1:2", "http://127.0.0.1:3/bot")
    assert (tmp_path / "data" / "nlu" / "zh.yml").read_bytes() == (
        Path(settings.paths.nlu_data) / "zh.yml").read_bytes()
    domain = yaml.safe_load((tmp_path / "domain.yml").read_text())
    assert set(domain["intents"]) == set(ALL_INTENTS) | {"csat"}
    greet = domain["responses"]["utter_greet"]
    assert {v["condition"][0]["value"] for v in greet if "condition" in v} == set(
        SUPPORTED_LANGUAGES)
    endpoints = (tmp_path / "endpoints.yml").read_text()
    assert "${SUPPORTBOT_RASA_TOKEN}" in endpoints and TOKEN not in endpoints
    rules = yaml.safe_load((tmp_path / "data" / "rules.yml").read_text())["rules"]
    assert {r["steps"][0]["intent"] for r in rules} == set(routes())
    assert len(written) == len(list(tmp_path.rglob("*.yml")))


def test_markdown_reaches_rasa_as_plain_text() -> None:
    assert plain_text("**Note:** see [the guide](https://x.example/a) or `code`") == (
        "Note: see the guide (https://x.example/a) or code")
    outgoing = Outgoing(1, "c", "rasa", "u", "en", None, "system", "Closed.",
                        "conversation_closed", {"quick_replies": [{"title": "⭐", "payload": "1"}]},
                        None)
    events = tracker_events(outgoing)
    assert [e["event"] for e in events] == ["resume", "action", "bot"]
    assert events[-1]["data"]["buttons"] == [{"title": "⭐", "payload": "1"}]


class FlakyRasa:
    """Rasa's tracker/events endpoint that fails the first `failures` calls with 500."""

    def __init__(self, failures: int):
        self.failures, self.bodies = failures, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if owner.failures > 0:
                    owner.failures -= 1
                    self.send_response(500)
                else:
                    owner.bodies.append(body)
                    self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_rasa_down_then_failing_delays_the_agents_replies_and_loses_none(
        client, services, rasa_token, agent_headers):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    client.post("/api/v1/rasa/actions/action_handoff", headers=headers, json={
        "sender_id": "rasa-user-9", "events": _events(("user", "I want a human agent"))})
    agent = agent_headers("bo", ["en"])
    handoff = client.get("/api/v1/agent/queue", headers=agent).json()["items"][0]["id"]
    client.post(f"/api/v1/agent/handoffs/{handoff}/claim", headers=agent)
    for text in ("first", "second", "third"):
        client.post(f"/api/v1/agent/handoffs/{handoff}/reply", headers=agent,
                    json={"text": text})

    async def deliver(url: str, seconds: float) -> None:
        channel = RasaChannel(services.dialogue, url, None)
        task = asyncio.create_task(channel.run())
        await asyncio.sleep(seconds)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    # Nobody listens on that port: nothing is marked sent.
    asyncio.run(deliver(f"http://127.0.0.1:{free_port()}", 1.0))
    conversation = client.get(f"/api/v1/agent/handoffs/{handoff}", headers=agent).json()[
        "conversation"]["id"]
    assert len(Deliveries(services.db).pending(conversation, ("rasa",))) == 4  # joined + 3
    rasa = FlakyRasa(failures=2)
    try:
        asyncio.run(deliver(f"http://127.0.0.1:{rasa.port}", 8.0))
    finally:
        rasa.server.shutdown()
    said = [event["text"] for body in rasa.bodies for event in body if event["event"] == "bot"]
    assert said[-3:] == ["first", "second", "third"]
    assert len(said) == len(set(said))  # each once
    assert Deliveries(services.db).pending(conversation, ("rasa",)) == []


def test_the_action_server_tells_the_user_when_our_server_is_down() -> None:
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.rasa_action_server import BridgeClient, DeskAction
    from bot.knowledge.replies import read_reply_catalog

    replies = read_reply_catalog(Path("responses"), SUPPORTED_LANGUAGES)
    action = DeskAction("action_handoff", BridgeClient(f"http://127.0.0.1:{free_port()}",
                                                       TOKEN), replies)
    tracker = Tracker("u", {}, {"text": "转人工", "supportbot": {"language": "zh"}},
                      [], False, None, None, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    assert events == []  # not paused: Rasa carries on
    assert dispatcher.messages[0]["text"] == replies.render("error_try_again", "zh")
