"""Whose data: a trader named by their exchange UID, one conversation, a Telegram user, or
a channel's own key for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Trader:
    uid: str | None = None
    conversation_id: str | None = None
    telegram_user: int | None = None
    channel: str | None = None
    channel_key: str | None = None

    def __post_init__(self) -> None:
        named = [self.uid is not None, self.conversation_id is not None,
                 self.telegram_user is not None,
                 self.channel is not None or self.channel_key is not None]
        if sum(named) != 1:
            raise ValueError("name the trader one way: a uid, a conversation, a Telegram "
                             "user, or a channel with its key")
        if (self.channel is None) != (self.channel_key is None):
            raise ValueError("a channel key needs its channel (and the other way round)")

    def lookup(self) -> dict[str, Any]:
        """The keyword arguments of bot.conversations.erasure.find."""
        return {"uid": self.uid, "conversation_id": self.conversation_id,
                "telegram_user": self.telegram_user, "channel": self.channel,
                "channel_key": self.channel_key}

    def describe(self) -> str:
        """How messages name the trader: identifiers only, never anything they wrote."""
        if self.uid is not None:
            return f"uid {self.uid}"
        if self.conversation_id is not None:
            return f"conversation {self.conversation_id}"
        if self.telegram_user is not None:
            return f"Telegram user {self.telegram_user}"
        return f"{self.channel} key {self.channel_key}"
