"""Changing a password and forgetting one are two answers: a trader who asks how to
change it (logged in) is shown the change steps, not the anti-phishing or 2FA article it
got before 0.11.15, and one who forgot it still gets the reset steps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from tests.server.helpers import open_conversation, say


def _faq_entries_shown(services: Any, conversation: str) -> list[str]:
    with services.db.connect() as connection:
        rows = connection.execute(text(
            "SELECT payload FROM messages WHERE conversation_id = :c AND kind = 'faq_answer'"
            " ORDER BY id"), {"c": conversation})
        return [_as_dict(row[0]).get("faq_entry", "") for row in rows]


def _as_dict(payload: Any) -> dict[str, Any]:
    return dict(json.loads(payload) if isinstance(payload, str) else payload or {})


@pytest.mark.parametrize(("message", "step"), [
    ("what's the way to change my password?", "**Change password**"),
    ("wie kann ich mein Passwort ändern", "**Passwort ändern**"),
    ("怎么改密码", "**修改密码**"),
    ("как изменить пароль от аккаунта?", "**Сменить пароль**"),
])
def test_how_to_change_a_password_gets_the_change_steps(services, client, message, step):  # type: ignore[no-untyped-def]
    conversation = open_conversation(client)
    turn = say(client, conversation, message)
    shown = "\n".join(reply["text"] for reply in turn["replies"])
    assert step in shown, shown
    assert _faq_entries_shown(services, conversation) == ["security_change_password"]


def test_a_forgotten_password_still_gets_the_reset_steps(services, client):  # type: ignore[no-untyped-def]
    conversation = open_conversation(client)
    turn = say(client, conversation, "I forgot my password and can't log in")
    shown = "\n".join(reply["text"] for reply in turn["replies"])
    assert "**Forgot password**" in shown, shown
    assert _faq_entries_shown(services, conversation) == ["login_forgot_password"]
