from __future__ import annotations

from typing import Any


def open_conversation(client: Any) -> str:
    response = client.post("/api/v1/conversations", json={"channel": "api"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def say(client: Any, conversation_id: str, text: str, **extra: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/conversations/{conversation_id}/messages",
                           json={"text": text, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


def kinds(turn: dict[str, Any]) -> list[str]:
    return [reply["kind"] for reply in turn["replies"]]
