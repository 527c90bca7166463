"""The widget's WebSocket: replies stream in, retries are delivered once, bad frames get
an error frame and the connection stays up."""

from __future__ import annotations

import json

from tests.server.helpers import open_conversation


def _next(socket, kind, seen=None):  # type: ignore[no-untyped-def]
    """The next frame of this kind; every frame read on the way is kept in `seen`."""
    for _ in range(20):
        frame = socket.receive_json()
        if seen is not None:
            seen.append(frame)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def _bot_replied(frames):  # type: ignore[no-untyped-def]
    return any(m["author"] == "bot" for f in frames if f["type"] == "update"
               for m in f["messages"])


def test_messages_replies_and_bad_frames(client, services):
    conversation = open_conversation(client)
    with client.websocket_connect(f"/ws/conversations/{conversation}?after=0") as socket:
        socket.send_text("{not json")
        assert _next(socket, "error")["error"] == "frames must be JSON"
        socket.send_text(json.dumps({"type": "message", "text": "x" * 20000}))
        assert "larger" in _next(socket, "error")["error"]
        socket.send_text(json.dumps({"type": "dance"}))
        assert "unknown frame" in _next(socket, "error")["error"]
        # Still up: a real message is answered through the update stream.
        frames: list[dict] = []
        for _ in range(2):  # the same client id twice: delivered once
            socket.send_text(json.dumps({"type": "message", "text": "how do I deposit usdt?",
                                         "client_message_id": "w-1"}))
            _next(socket, "ack", frames)
        while not _bot_replied(frames):
            _next(socket, "update", frames)
    users = [m for m in services.dialogue.store.messages_after(conversation)
             if m["author"] == "user"]
    assert len(users) == 1


def test_reconnect_resends_everything_after_the_last_seen_id(client):
    conversation = open_conversation(client)
    client.post(f"/api/v1/conversations/{conversation}/messages", json={"text": "hello"})
    all_messages = client.get(f"/api/v1/conversations/{conversation}/messages").json()
    first_id = all_messages["messages"][0]["id"]
    with client.websocket_connect(f"/ws/conversations/{conversation}?after={first_id}") as socket:
        update = _next(socket, "update")
    assert [m["id"] for m in update["messages"]] == [m["id"] for m in
                                                     all_messages["messages"][1:]]


def test_unknown_conversation_is_refused(client):
    with client.websocket_connect("/ws/conversations/nope") as socket:
        assert socket.receive_json()["type"] == "error"


def test_a_waiting_trader_sees_their_place_move_up_without_asking(client, agent_headers):
    # 0.11.12 trial: the widget kept "number 92" until the trader typed again.
    first, second = open_conversation(client), open_conversation(client)
    ahead = client.post(f"/api/v1/conversations/{first}/messages",
                        json={"text": "/request_human"}).json()["handoff"]
    behind = client.post(f"/api/v1/conversations/{second}/messages",
                         json={"text": "/request_human"}).json()["handoff"]
    assert behind["position"] == ahead["position"] + 1
    with client.websocket_connect(f"/ws/conversations/{second}?after=0") as socket:
        assert _next(socket, "update")["handoff"]["position"] == behind["position"]
        claimed = client.post(f"/api/v1/agent/handoffs/{ahead['id']}/claim",
                              headers=agent_headers("nia", ["en"]))
        assert claimed.status_code == 200
        moved = _next(socket, "update")
        assert moved["handoff"]["position"] == behind["position"] - 1
        assert not moved["messages"]
