"""Transfer goes only to a colleague who is online and has room; the console offers only
those; the refusals say why in words."""

from __future__ import annotations

import time

from sqlalchemy import update

from bot.storage.schema import agents
from tests.conftest import AGENT_PASSWORD


def _queued(client) -> int:  # type: ignore[no-untyped-def]
    conversation = client.post("/api/v1/conversations", json={"channel": "api"}).json()["id"]
    turn = client.post(f"/api/v1/conversations/{conversation}/messages",
                       json={"text": "I want to talk to a human please"}).json()
    return int(turn["handoff"]["id"])


def test_transfer_only_to_colleagues_online_with_room(client, services, agent_headers):  # type: ignore[no-untyped-def]
    alice = agent_headers("alice", ["en"], 5)
    services.agents.add("bob", AGENT_PASSWORD, ["en"], 1)  # never signed in: offline
    handoff = _queued(client)
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/claim", headers=alice).status_code == 200
    assert client.get("/api/v1/agent/transfer-targets", headers=alice).json() == []
    refused = client.post(f"/api/v1/agent/handoffs/{handoff}/transfer", headers=alice,
                          json={"to": "bob"})
    assert refused.status_code == 409 and "offline" in refused.json()["detail"]
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/transfer", headers=alice,
                       json={"to": "alice"}).status_code == 409

    bob = agent_headers("bob", ["en"], 1)  # signs in: online, room for one
    targets = client.get("/api/v1/agent/transfer-targets", headers=alice).json()
    assert [(t["username"], t["free"]) for t in targets] == [("bob", 1)]
    other = _queued(client)
    assert client.post(f"/api/v1/agent/handoffs/{other}/claim", headers=bob).status_code == 200
    assert client.get("/api/v1/agent/transfer-targets", headers=alice).json() == []  # full
    full = client.post(f"/api/v1/agent/handoffs/{handoff}/transfer", headers=alice,
                       json={"to": "bob"})
    assert full.status_code == 409 and "no room" in full.json()["detail"]

    client.post(f"/api/v1/agent/handoffs/{other}/release", headers=bob)
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/transfer", headers=alice,
                       json={"to": "bob"}).status_code == 200

    # Silent past the heartbeat timeout: offline again, no longer offered.
    stale = time.time() - services.settings.handoff.heartbeat_timeout_seconds - 5
    with services.db.begin() as connection:
        connection.execute(update(agents).where(agents.c.username == "bob")
                           .values(last_heartbeat=stale))
    assert client.get("/api/v1/agent/transfer-targets", headers=alice).json() == []
