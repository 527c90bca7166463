"""Rendering the bot's own replies in the user's language and script."""

from __future__ import annotations

from typing import Any

from actions.sdk import Domain, Tracker
from bot.nlu.chinese_script import in_script

QUICK_REPLY_KEYS = {"yes": ("quick_yes", "/affirm"), "no": ("quick_no", "/deny"),
                    "human": ("quick_human", "/request_human"), "skip": ("quick_skip", "/skip")}


def render(domain: Domain, tracker: Tracker, key: str, **values: Any) -> str:
    links = domain.settings.links.model_dump()
    text = domain.replies.render(key, tracker.lang, **{**links, **values})
    return in_script(text, tracker.lang, tracker.script)


def quick_replies(domain: Domain, tracker: Tracker, names: list[str]) -> list[dict[str, str]]:
    buttons = []
    for name in names:
        key, payload = QUICK_REPLY_KEYS[name]
        buttons.append({"title": render(domain, tracker, key), "payload": payload})
    return buttons
