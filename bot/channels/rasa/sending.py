"""The way back to a Rasa user: what the desk and the bot say while a Rasa conversation
is with us leaves through Rasa's own HTTP API, on the channel the user last wrote from.

Each message is appended to the Rasa tracker as a `bot` event with side effects on
(`POST /conversations/{id}/tracker/events?output_channel=latest&execute_side_effects=true`):
Rasa records it and sends it through that channel (callback, socket.io …). Closing the
case appends `resume` first, so Rasa answers again from the next message on. Failures are
the outbox's to retry (bot.channels.delivery): Rasa down, slow or answering 500 delays the
messages, in order, and loses none."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import quote

import httpx

from bot.channels.delivery import RETRY, Outbox, SendOutcome
from bot.channels.rasa import CHANNEL
from bot.channels.rendering import plain_text
from bot.conversations.deliveries import MAYBE_SENT, REFUSED, SENT, Deliveries, Outgoing
from bot.dialogue.engine import DialogueEngine

log = logging.getLogger(__name__)
SWEEP_SECONDS = 5.0
# The message that ends a case: Rasa takes the conversation back with it.
CLOSING_KIND = "conversation_closed"


def tracker_events(outgoing: Outgoing) -> list[dict[str, Any]]:
    """The Rasa events that carry one of our messages (pure)."""
    events: list[dict[str, Any]] = []
    if outgoing.kind == CLOSING_KIND:
        # Rasa listens again: its rules start from "previous action: action_listen", and
        # the action that paused it never reached one.
        events += [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
    data: dict[str, Any] = {}
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
               for b in outgoing.payload.get("quick_replies") or [] if isinstance(b, dict)]
    if buttons:
        data["buttons"] = buttons
    events.append({"event": "bot", "text": plain_text(outgoing.text), "data": data,
                   "metadata": {"supportbot": {"author": outgoing.author,
                                               "kind": outgoing.kind,
                                               "message_id": outgoing.message_id}}})
    return events


class RasaSender:
    def __init__(self, base_url: str, auth_token: str | None, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.auth_token = auth_token
        # Rasa appends under its lock of the conversation: a turn in progress delays it.
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0))

    async def send(self, outgoing: Outgoing) -> SendOutcome:
        url = (f"{self.base_url}/conversations/{quote(outgoing.channel_key, safe='')}"
               "/tracker/events")
        params = {"output_channel": "latest", "execute_side_effects": "true"}
        if self.auth_token:
            params["token"] = self.auth_token
        try:
            response = await self.client.post(url, params=params,
                                              json=tracker_events(outgoing))
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            return SendOutcome(RETRY, detail=f"Rasa unreachable ({type(error).__name__})")
        except httpx.TimeoutException:
            # The request left: Rasa may have sent it. Never twice (README, "Rasa").
            return SendOutcome(MAYBE_SENT, detail="Rasa timed out")
        except httpx.HTTPError as error:
            return SendOutcome(RETRY, detail=f"Rasa: {type(error).__name__}")
        if response.status_code == 200:
            return SendOutcome(SENT)
        if response.status_code in (400, 404, 422):
            return SendOutcome(REFUSED, detail=f"Rasa answered {response.status_code}")
        # 401/403 (a wrong RASA_AUTH_TOKEN, fixable), 409, 5xx: later, in order.
        return SendOutcome(RETRY, detail=f"Rasa answered {response.status_code}")

    async def close(self) -> None:
        await self.client.aclose()


class RasaChannel:
    """The outbox of Rasa conversations, run inside one server process."""

    def __init__(self, dialogue: DialogueEngine, base_url: str, auth_token: str | None):
        self.dialogue = dialogue
        self.sender = RasaSender(base_url, auth_token)
        self.outbox = Outbox(Deliveries(dialogue.engine), (CHANNEL,), self.sender.send)

    async def run(self) -> None:
        self.outbox.attach()
        self.dialogue.listeners.append(self.outbox.kick_threadsafe)
        try:
            while True:
                await self.outbox.sweep()
                await asyncio.sleep(SWEEP_SECONDS)
        finally:
            with contextlib.suppress(ValueError):
                self.dialogue.listeners.remove(self.outbox.kick_threadsafe)
            await self.outbox.close()
            await self.sender.close()
