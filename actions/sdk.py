"""Our actions are rasa_sdk actions: `Action`, `Tracker` and `CollectingDispatcher` are
rasa_sdk's own classes, extended with what a turn of our engine knows besides.

An action runs in one of two ways:
- `act`: inside a turn of our engine, synchronously, in the turn's database transaction,
  with the services in `Domain` and the policy's parameters. The engine runs every action
  this way; the tracker carries our full understanding beside Rasa's parse dict.
- `run`: as rasa_sdk runs any action. Only the actions a Rasa assistant may call are
  served that way (`supportbot actions`, actions/rasa_action_server.py); they ask our
  server to act. An internal action called so says what to use instead.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rasa_sdk import Action as RasaAction
from rasa_sdk import Tracker as RasaTracker
from rasa_sdk.executor import CollectingDispatcher as RasaDispatcher

from bot.nlu.rasa_format import rasa_parse

if TYPE_CHECKING:
    from rasa_sdk.types import DomainDict
    from sqlalchemy import Connection

    from bot.config import Settings
    from bot.knowledge.replies import ReplyCatalog
    from bot.nlu.faq_index import FaqIndex
    from bot.nlu.understanding import Understanding
    from handoff.queue import HandoffQueue


class Tracker(RasaTracker):
    """rasa_sdk's tracker of one conversation, plus the turn's own facts: the channel, the
    reply language and script, who the user is, and the understanding itself
    (`latest_message` is the same understanding in Rasa's parse shape)."""

    def __init__(self, sender_id: str, channel: str, lang: str, script: str | None,
                 understanding: Understanding, slots: dict[str, Any],
                 user_label: str | None = None):
        super().__init__(sender_id=sender_id, slots=slots,
                         latest_message=rasa_parse(understanding), events=[], paused=False,
                         followup_action=None, active_loop={}, latest_action_name=None)
        self.channel = channel
        self.lang = lang
        self.script = script
        self.understanding = understanding
        self.user_label = user_label


class CollectingDispatcher(RasaDispatcher):
    """rasa_sdk's dispatcher, keeping our message shape: `text`, `kind`, `quick_replies`
    (Rasa's `buttons` are taken as quick replies) and whatever else the action adds."""

    def utter_message(self, text: str | None = None, image: str | None = None,
                      json_message: dict[str, Any] | None = None,
                      template: str | None = None, response: str | None = None,
                      attachment: str | None = None,
                      buttons: list[dict[str, Any]] | None = None,
                      elements: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        kind = kwargs.pop("kind", "text")
        quick_replies = kwargs.pop("quick_replies", None) or buttons or []
        self.messages.append({"text": text or "", "kind": kind,
                              "quick_replies": quick_replies, **kwargs})


@dataclass
class Domain:
    """The services actions use; one per turn, bound to the turn's transaction."""

    settings: Settings
    replies: ReplyCatalog
    faq: FaqIndex
    queue: HandoffQueue
    connection: Connection


class Action(RasaAction):
    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain,
            **params: Any) -> list[dict[str, Any]]:
        """Do it inside a turn; returns our events (`{"event": "handoff", …}`)."""

    async def run(self, dispatcher: RasaDispatcher, tracker: RasaTracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        raise NotImplementedError(
            f"'{self.name()}' runs inside a supportbot turn (act); a Rasa assistant calls "
            "the action_* actions of `supportbot actions` (docs/rasa.md)")
