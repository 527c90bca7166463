"""Changing a password and forgetting one are two answers: a trader who asks how to
change it (logged in) is shown the change steps, not the anti-phishing or 2FA article it
got before 0.11.15, and one who forgot it still gets the reset steps."""

from __future__ import annotations

import pytest

from tests.server.helpers import open_conversation, say


@pytest.mark.parametrize(("text", "step"), [
    ("what's the way to change my password?", "**Change password**"),
    ("wie kann ich mein Passwort ändern", "**Passwort ändern**"),
    ("怎么改密码", "**修改密码**"),
    ("как изменить пароль от аккаунта?", "**Сменить пароль**"),
])
def test_how_to_change_a_password_gets_the_change_steps(client, text, step):  # type: ignore[no-untyped-def]
    turn = say(client, open_conversation(client), text)
    shown = "\n".join(reply["text"] for reply in turn["replies"])
    assert step in shown, shown
    assert "anti-phishing" not in shown.lower()


def test_a_forgotten_password_still_gets_the_reset_steps(client):  # type: ignore[no-untyped-def]
    turn = say(client, open_conversation(client), "I forgot my password and can't log in")
    shown = "\n".join(reply["text"] for reply in turn["replies"])
    assert "**Forgot password**" in shown and "**Change password**" not in shown, shown
