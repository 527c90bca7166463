"""What a Rasa tracker's events say about the conversation, as plain values.

Pure. Only what the desk needs: the user's and the bot's texts since the bot last took
the conversation back (events before the last `resume` were seen by an agent already:
while Rasa is paused, every user message reaches us through the NLU call)."""

from __future__ import annotations

from typing import Any

USER, BOT = "user", "bot"
Item = tuple[str, str, str | None]  # author, text, the platform's message id


def history_since_resume(events: list[dict[str, Any]]) -> list[Item]:
    """(author, text, message id) of each user and bot message after the last resume."""
    start = 0
    for index, event in enumerate(events):
        if isinstance(event, dict) and event.get("event") == "resume":
            start = index + 1
    items: list[Item] = []
    for event in events[start:]:
        if not isinstance(event, dict):
            continue
        kind, text = event.get("event"), event.get("text")
        if kind not in (USER, BOT) or not isinstance(text, str) or not text.strip():
            continue
        message_id = event.get("message_id") if kind == USER else None
        items.append((str(kind), text, str(message_id) if message_id else None))
    return items


def split_last_user(items: list[Item]) -> tuple[list[Item], Item | None]:
    """The history before the latest user message, and that message (the one the action
    answers). None when the user said nothing yet."""
    for index in range(len(items) - 1, -1, -1):
        if items[index][0] == USER:
            return items[:index], items[index]
    return items, None
