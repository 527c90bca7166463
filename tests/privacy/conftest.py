"""The privacy tests run the real app on a SQLite file with the tiny model (they test
what is stored and erased, not what is understood)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.conftest import AGENT_PASSWORD, make_services


@pytest.fixture
def services(settings, tiny_nlu, sqlite_url):  # type: ignore[no-untyped-def]
    built = make_services(settings, tiny_nlu, sqlite_url)
    yield built
    built.db.dispose()


@pytest.fixture
def supervisor(services, agent_headers):  # type: ignore[no-untyped-def]
    services.agents.add("sam", AGENT_PASSWORD, ["en"], 5, "Sam", role="supervisor")
    return agent_headers("sam")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "PNG")
    return out.getvalue()


def say(client: Any, conversation_id: str, text: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/conversations/{conversation_id}/messages",
                           json={"text": text})
    assert response.status_code == 200, response.text
    return dict(response.json())


def upload(client: Any, conversation_id: str) -> str:
    response = client.post(f"/api/v1/conversations/{conversation_id}/attachments",
                           params={"filename": "receipt.png"}, content=png(),
                           headers={"Content-Type": "image/png"})
    assert response.status_code == 201, response.text
    return str(response.json()["attachment"]["id"])


def handed_over(client: Any, text: str) -> tuple[str, int]:
    """A conversation that said `text`, then asked for a person: (its id, its case)."""
    conversation = client.post("/api/v1/conversations", json={"channel": "web"}).json()["id"]
    say(client, conversation, text)
    turn = say(client, conversation, "/request_human")
    assert turn["handoff"], turn
    return conversation, int(turn["handoff"]["id"])


def closed_by_agent(client: Any, agent: dict[str, str], handoff: int, reply: str,
                    resolution: str) -> None:
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/claim",
                       headers=agent).status_code == 200
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/reply", headers=agent,
                       json={"text": reply}).status_code == 200
    response = client.post(f"/api/v1/agent/handoffs/{handoff}/close", headers=agent,
                           json={"resolution": resolution})
    assert response.status_code == 200, response.text


def verify(services: Any, conversation_id: str, uid: str) -> None:
    """What bot.identity does once the exchange vouched for the trader."""
    from bot.conversations.verified import mark_verified

    with services.db.begin() as connection:
        mark_verified(connection, conversation_id, uid, f"{uid}@example.com")
