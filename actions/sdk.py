"""A minimal rasa_sdk-compatible surface: Action, Tracker, CollectingDispatcher.

We keep Rasa's shape (so actions read like any Rasa action and could move to an action
server) without its runtime. `domain` carries the services an action may use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from bot.config import Settings
    from bot.knowledge.replies import ReplyCatalog
    from bot.nlu.faq_index import FaqIndex
    from bot.nlu.understanding import Understanding
    from handoff.queue import HandoffQueue


@dataclass
class Tracker:
    sender_id: str  # the conversation id
    channel: str
    lang: str
    script: str | None
    latest_message: Understanding
    slots: dict[str, Any]  # the dialogue state
    user_label: str | None = None


@dataclass
class CollectingDispatcher:
    messages: list[dict[str, Any]] = field(default_factory=list)

    def utter_message(self, text: str, kind: str = "text",
                      quick_replies: list[dict[str, str]] | None = None,
                      **data: Any) -> None:
        self.messages.append({"text": text, "kind": kind,
                              "quick_replies": quick_replies or [], **data})


@dataclass
class Domain:
    """The services actions use; one per turn, bound to the turn's transaction."""

    settings: Settings
    replies: ReplyCatalog
    faq: FaqIndex
    queue: HandoffQueue
    connection: Connection


class Action(ABC):
    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]: ...
