"""The packet follows the conversation while it waits; who may read a case; the audit
log; typing marks both ways; unread marks on the agent's own conversations."""

from __future__ import annotations

from tests.conftest import AGENT_PASSWORD
from tests.phrases import seed_phrase


def _queued(client, text: str = "I want to talk to a human please") -> tuple[str, int]:  # type: ignore[no-untyped-def]
    conversation = client.post("/api/v1/conversations", json={"channel": "api"}).json()["id"]
    turn = client.post(f"/api/v1/conversations/{conversation}/messages",
                       json={"text": text}).json()
    return conversation, int(turn["handoff"]["id"])


def _say(client, conversation: str, text: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(f"/api/v1/conversations/{conversation}/messages", json={"text": text})
    assert response.status_code == 200, response.text


def test_the_packet_follows_the_conversation_and_agrees_with_the_queue_card(client, agent_headers):  # type: ignore[no-untyped-def]
    alice = agent_headers("alice", ["en"], 5)
    conversation, handoff = _queued(client)
    before = client.get(f"/api/v1/agent/handoffs/{handoff}", headers=alice).json()
    assert before["handoff"]["priority"] != "P1"
    assert before["packet"]["reason"] == "user_request"

    _say(client, conversation, f"is this right? {seed_phrase()}")
    _say(client, conversation, "my UID is 84421907 and the withdrawal TXID is "
                               "0x" + "ab12" * 16)
    after = client.get(f"/api/v1/agent/handoffs/{handoff}", headers=alice).json()
    packet = after["packet"]
    assert after["handoff"]["priority"] == "P1" == packet["urgency"]
    assert after["handoff"]["reason"] == "secret_shared" == packet["reason"]
    assert "secret" in packet["reason_text"]
    assert "Priority P1" in packet["summary"]
    labels = {entity["label"] for entity in packet["entities"]}
    assert {"uid", "tx_hash"} <= labels, packet["entities"]
    # The seed phrase itself is nowhere in the packet, not even in the summary.
    assert seed_phrase().split()[3] not in str(packet)
    card = next(item for item in client.get("/api/v1/agent/queue", headers=alice).json()["items"]
                if item["id"] == handoff)
    assert card["priority"] == "P1" and card["reason"] == "secret_shared"
    assert card["summary"] == packet["summary"]


def test_who_may_read_a_case_and_the_audit_log(client, services, agent_headers):  # type: ignore[no-untyped-def]
    alice = agent_headers("alice", ["en"], 5)
    bob = agent_headers("bob", ["en"], 5)
    ken = agent_headers("ken", ["ko"], 5)
    services.agents.add("sam", AGENT_PASSWORD, ["en"], 5, "Sam", role="supervisor")
    sam = agent_headers("sam")
    _conversation, handoff = _queued(client)

    def status(headers):  # type: ignore[no-untyped-def]
        return client.get(f"/api/v1/agent/handoffs/{handoff}", headers=headers).status_code

    # Queued: the agents it is offered to (its language) and supervisors.
    assert (status(alice), status(bob), status(ken), status(sam)) == (200, 200, 403, 200)
    assert client.get(f"/api/v1/agent/handoffs/{handoff}/suggestions",
                      headers=ken).status_code == 403
    assert client.get("/api/v1/agent/queue?everyone=true", headers=ken).status_code == 403
    assert client.get("/api/v1/agent/queue?everyone=true", headers=sam).status_code == 200
    # Claimed: its agent and supervisors only.
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/claim", headers=alice).status_code == 200
    assert (status(alice), status(bob), status(ken), status(sam)) == (200, 403, 403, 200)
    assert client.get(f"/api/v1/agent/handoffs/{handoff}/suggestions",
                      headers=bob).status_code == 403

    # Reads are logged once per opening (after=0), not per live refresh.
    client.get(f"/api/v1/agent/handoffs/{handoff}?after=5", headers=alice)
    assert client.get("/api/v1/agent/audit", headers=alice).status_code == 403
    log = client.get(f"/api/v1/agent/audit?handoff={handoff}", headers=sam).json()
    readers = sorted({(entry["agent"], entry["action"]) for entry in log})
    assert readers == [("alice", "read_transcript"), ("bob", "read_transcript"),
                       ("sam", "read_transcript")]
    assert sum(entry["agent"] == "alice" for entry in log) == 2  # two openings by alice
    assert client.get("/api/v1/agent/me", headers=sam).json()["role"] == "supervisor"


def test_typing_both_ways_and_unread_marks(client, services, agent_headers):  # type: ignore[no-untyped-def]
    alice = agent_headers("alice", ["en"], 5)
    bob = agent_headers("bob", ["en"], 5)
    conversation, handoff = _queued(client)
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/typing", headers=alice,
                       json={"active": True}).status_code == 409  # not hers yet
    client.post(f"/api/v1/agent/handoffs/{handoff}/claim", headers=alice)
    with client.websocket_connect(f"/ws/conversations/{conversation}?after=0") as socket:
        socket.receive_json()  # the history
        assert client.post(f"/api/v1/agent/handoffs/{handoff}/typing", headers=alice,
                           json={"active": True}).status_code == 200
        update = socket.receive_json()
        while update.get("type") != "update" or not update["typing"]["agent"]:
            update = socket.receive_json()
        assert update["typing"] == {"agent": "alice"}
        # The reply withdraws the mark: the update carrying it says nobody types.
        client.post(f"/api/v1/agent/handoffs/{handoff}/reply", headers=alice,
                    json={"text": "Hello, I am looking at it now."})
        update = socket.receive_json()
        while not update.get("messages"):
            update = socket.receive_json()
        assert update["typing"] == {"agent": None}
        assert update["messages"][-1]["author"] == "agent"

        socket.send_json({"type": "typing", "active": True})
        socket.send_json({"type": "typing", "active": True})  # repeated at once: one write
        deadline = 50
        while not client.get(f"/api/v1/agent/handoffs/{handoff}?after=999999",
                             headers=alice).json()["typing"]["user"]:
            deadline -= 1
            assert deadline, "the user's typing mark never reached the console"
        socket.send_json({"type": "typing", "active": False})
        while client.get(f"/api/v1/agent/handoffs/{handoff}?after=999999",
                         headers=alice).json()["typing"]["user"]:
            deadline -= 1
            assert deadline, "the user's typing mark was never withdrawn"
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/typing", headers=bob,
                       json={"active": True}).status_code == 403

    mine = client.get("/api/v1/agent/queue", headers=alice).json()["mine"]
    last_user = max(m["id"] for m in services.dialogue.store.messages_after(conversation)
                    if m["author"] == "user")
    assert [(m["id"], m["last_user_message_id"]) for m in mine] == [(handoff, last_user)]
    _say(client, conversation, "are you still there?")
    mine = client.get("/api/v1/agent/queue", headers=alice).json()["mine"]
    assert mine[0]["last_user_message_id"] > last_user
