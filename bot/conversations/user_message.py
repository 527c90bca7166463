"""What every channel turns a user's message into before the engine sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sender:
    id: str  # the platform's user id (as text), "" when the channel has no users
    label: str | None = None  # what an agent sees: "@alice", a display name


@dataclass(frozen=True)
class UserMessage:
    """One inbound message, platform-free.

    `conversation_key` says whose conversation it is within the channel (a Telegram
    private chat, or one member of a group); `platform_message_id` makes the platform's
    redelivery of the same message idempotent; `attachments` describes what came along
    (kind and platform file id, never the bytes); `metadata` is channel-specific and holds
    no user text."""

    channel: str
    conversation_key: str
    sender: Sender
    text: str
    locale_hint: str | None = None
    platform_message_id: str | None = None
    attachments: tuple[dict[str, Any], ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
