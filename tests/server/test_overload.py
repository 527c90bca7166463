"""Graceful overload: a busy server stores and acknowledges every message, tells the user
(in their language) that the reply follows, answers later over the live channel, and
never defers a message that looks urgent. A turn whose process died is answered by
another process, once.

"Busy" is made real, not mocked: a turn that waits on a gate sits in the server's
deferred lanes, so the backlog is what the real overload check reads."""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.server.app import create_app
from tests.conftest import make_services
from tests.phrases import seed_phrase
from tests.server.helpers import open_conversation

LANES = 2


@pytest.fixture
def busy_settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"limits": settings.limits.model_copy(
        update={"busy_after": 1, "deferred_lanes": LANES})})


@pytest.fixture
def busy(busy_settings, shipped_nlu, sqlite_url  # type: ignore[no-untyped-def]
         ) -> Iterator[tuple[Any, TestClient, threading.Event]]:
    services = make_services(busy_settings, shipped_nlu, sqlite_url)
    gate = threading.Event()
    # A turn that waits on the gate in each lane: the backlog is at `busy_after` and
    # nothing deferred runs before the gate opens. (Lanes are chosen by a hash of the
    # conversation id: these two names fall into different lanes.)
    lanes = set()
    for number in range(-1, -20, -1):
        name = f"gate{number}"
        lane = zlib.crc32(name.encode()) % LANES
        if lane not in lanes:
            lanes.add(lane)
            services.dialogue.deferred.add(name, number, lambda: gate.wait(60))
    assert len(lanes) == LANES
    with TestClient(create_app(services, background=False)) as client:
        yield services, client, gate
    gate.set()
    services.db.dispose()


ASYNC = {"Prefer": "respond-async"}  # the client takes its replies later (RFC 7240)


def _messages(client: TestClient, conversation: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/conversations/{conversation}/messages")
    assert response.status_code == 200
    return list(response.json()["messages"])


def _replies_to(client: TestClient, conversation: str, message_id: int,
                timeout: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        replies = [m for m in _messages(client, conversation)
                   if m["author"] == "bot" and m["id"] > message_id]
        if replies:
            return replies
        time.sleep(0.1)
    raise AssertionError(f"no reply to message {message_id} within {timeout} s")


def test_busy_turn_is_stored_acknowledged_and_answered_later(busy):  # type: ignore[no-untyped-def]
    services, client, gate = busy
    conversation = open_conversation(client)
    response = client.post(f"/api/v1/conversations/{conversation}/messages",
                           json={"text": "充值的USDT还没到账，已经两个小时了",
                                 "client_message_id": "c-1"}, headers=ASYNC)
    assert response.status_code == 202, response.text
    assert response.headers["Preference-Applied"] == "respond-async"
    turn = response.json()
    assert turn["deferred"] is True and turn["replies"] == []
    assert "消息已保存" in turn["notice"]  # Chinese, the language the user wrote in
    stored = [m for m in _messages(client, conversation) if m["author"] == "user"]
    assert [m["id"] for m in stored] == [turn["message_id"]]
    # The same message again (the client retried): acknowledged again, stored once.
    again = client.post(f"/api/v1/conversations/{conversation}/messages",
                        json={"text": "充值的USDT还没到账，已经两个小时了",
                              "client_message_id": "c-1"}, headers=ASYNC)
    assert again.status_code == 202 and again.json()["message_id"] == turn["message_id"]
    # A second message of the same conversation waits behind the first (order holds).
    second = client.post(f"/api/v1/conversations/{conversation}/messages",
                         json={"text": "how long do deposits take?"}, headers=ASYNC)
    assert second.status_code == 202
    gate.set()
    users = [m for m in _messages(client, conversation) if m["author"] == "user"]
    assert [m["id"] for m in users] == [turn["message_id"], second.json()["message_id"]]
    # Both stored before either was answered: wait for the second's own replies.
    deadline = time.time() + 30
    while not services.dialogue.store.replies_to(users[1]["id"]) and time.time() < deadline:
        time.sleep(0.1)
    firsts = services.dialogue.store.replies_to(users[0]["id"])
    seconds = services.dialogue.store.replies_to(users[1]["id"])
    assert firsts and seconds and max(m["id"] for m in firsts) < min(m["id"] for m in seconds)
    assert services.dialogue.deferred.waiting == 0


def test_a_client_that_did_not_ask_for_async_replies_gets_its_answer(busy):  # type: ignore[no-untyped-def]
    # The API's contract: without `Prefer: respond-async` the answer, with the
    # understanding, comes in the response, busy or not.
    _, client, _ = busy
    conversation = open_conversation(client)
    response = client.post(f"/api/v1/conversations/{conversation}/messages",
                           json={"text": "what are the withdrawal fees for BTC?"})
    assert response.status_code == 200, response.text
    turn = response.json()
    assert turn["deferred"] is False and turn["replies"] and turn["intent"]


@pytest.mark.parametrize("text", [
    "someone withdrew all my USDT and it wasn't me, help",
    "alguien entró en mi cuenta y cambió el correo, no fui yo",
    seed_phrase("english", 128),  # a real phrase: its checksum passes
])
def test_urgent_messages_are_never_deferred(busy, text):  # type: ignore[no-untyped-def]
    _, client, _ = busy
    conversation = open_conversation(client)
    response = client.post(f"/api/v1/conversations/{conversation}/messages",
                           json={"text": text}, headers=ASYNC)
    assert response.status_code == 200, response.text
    turn = response.json()
    assert turn["deferred"] is False and turn["replies"]
    assert turn["urgency"] == "P1" and turn["handoff"]["priority"] == "P1"


def test_websocket_ack_carries_the_notice_and_the_reply_follows(busy):  # type: ignore[no-untyped-def]
    _, client, gate = busy
    conversation = open_conversation(client)
    with client.websocket_connect(f"/ws/conversations/{conversation}?after=0") as socket:
        socket.send_text(json.dumps({"type": "message", "text": "wie hoch sind die Gebühren?",
                                     "client_message_id": "w-1", "client_seq": 1}))
        frames = []
        while True:
            frame = socket.receive_json()
            frames.append(frame)
            if frame["type"] == "ack":
                break
        assert "Nachricht ist gespeichert" in frame["busy"]
        gate.set()
        for _ in range(20):
            frame = socket.receive_json()
            if frame["type"] == "update" and any(m["author"] == "bot"
                                                  for m in frame["messages"]):
                break
        else:
            raise AssertionError("the deferred reply never reached the socket")
    metrics = client.get("/metrics").text
    assert 'supportbot_busy_notices_total{channel="api"}' in metrics


def test_a_turn_left_by_a_dead_process_is_answered_once(busy, busy_settings, shipped_nlu,
                                                        sqlite_url):  # type: ignore[no-untyped-def]
    services, client, gate = busy
    conversation = open_conversation(client)
    response = client.post(f"/api/v1/conversations/{conversation}/messages",
                           json={"text": "what are the withdrawal fees for BTC?"},
                           headers=ASYNC)
    assert response.status_code == 202
    message_id = response.json()["message_id"]
    # This process is stuck (its lanes wait on the gate), as good as dead; another
    # process on the same database finds the message and answers it.
    other = make_services(busy_settings, shipped_nlu, sqlite_url)
    try:
        assert other.dialogue.answer_orphans(now=time.time()) == 0  # not old enough yet
        assert other.dialogue.answer_orphans(now=time.time() + 2 * 86_400) == 0  # given up
        assert other.dialogue.answer_orphans(now=time.time() + 3600) == 1
    finally:
        other.db.dispose()
    replies = _replies_to(client, conversation, message_id, timeout=1)
    # The stuck process wakes up and finds its turn done: no second answer.
    gate.set()
    deadline = time.time() + 30
    while services.dialogue.deferred.waiting and time.time() < deadline:
        time.sleep(0.05)
    assert services.dialogue.deferred.waiting == 0
    after = [m for m in _messages(client, conversation) if m["author"] == "bot"]
    assert [m["id"] for m in after] == [m["id"] for m in replies]
