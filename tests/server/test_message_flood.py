"""A flood of user messages: every message is stored, those past the limit are not
answered, the user is asked once (in their language) to slow down, and an urgent message
is answered whatever the flood."""

from __future__ import annotations

import json

from tests.server.helpers import open_conversation


def test_a_flood_is_stored_not_answered_and_told_once(client, settings):  # type: ignore[no-untyped-def]
    limit = settings.limits.messages_per_conversation
    conversation = open_conversation(client)
    statuses = []
    for i in range(limit + 4):
        response = client.post(f"/api/v1/conversations/{conversation}/messages",
                               json={"text": f"¿cuánto cuesta retirar USDT? {i}",
                                     "client_message_id": f"m{i}"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert "nada de lo que enviaste" in response.json()["detail"]  # Spanish
    assert statuses[:limit] == [200] * limit and set(statuses[limit:]) == {429}
    messages = client.get(f"/api/v1/conversations/{conversation}/messages").json()["messages"]
    assert len([m for m in messages if m["author"] == "user"]) == limit + 4  # nothing lost
    assert [m["kind"] for m in messages].count("rate_limited") == 1
    # A retry of a refused message is recognised as stored: no second copy.
    again = client.post(f"/api/v1/conversations/{conversation}/messages",
                        json={"text": "¿cuánto cuesta retirar USDT? 9",
                              "client_message_id": "m9"})
    assert again.status_code in (200, 429)
    messages = client.get(f"/api/v1/conversations/{conversation}/messages").json()["messages"]
    assert len([m for m in messages if m["author"] == "user"]) == limit + 4


def test_an_urgent_message_is_answered_in_a_flood(client, settings):  # type: ignore[no-untyped-def]
    conversation = open_conversation(client)
    for i in range(settings.limits.messages_per_conversation + 2):
        client.post(f"/api/v1/conversations/{conversation}/messages", json={"text": f"hi {i}"})
    response = client.post(f"/api/v1/conversations/{conversation}/messages",
                           json={"text": "someone withdrew all my BTC, it wasn't me!!"})
    assert response.status_code == 200, response.text
    assert response.json()["urgency"] == "P1"


def test_the_websocket_acknowledges_a_flood_with_the_notice(client, settings):  # type: ignore[no-untyped-def]
    conversation = open_conversation(client)
    acks = []
    with client.websocket_connect(f"/ws/conversations/{conversation}?after=0") as socket:
        for i in range(settings.limits.messages_per_conversation + 2):
            socket.send_text(json.dumps({"type": "message", "text": f"hello {i}",
                                         "client_message_id": f"w{i}"}))
            while (frame := socket.receive_json())["type"] != "ack":
                pass
            acks.append(frame)
    assert all("notice" not in a for a in acks[:-2])
    assert all(a["notice"] and a["retry_after"] >= 1 and a["message_id"] for a in acks[-2:])
