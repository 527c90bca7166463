"""Our desk's actions as a real rasa_sdk action server (`supportbot actions`).

A Rasa assistant lists these in its domain and endpoints.yml (`action_endpoint`); each
one asks our server's bridge (bot.channels.rasa.bridge) what to do and says it. The
action server holds no state and loads no model: it is a thin adapter, so several can run.

If our server cannot be reached, the user is told so in their language (the reply
catalog is read here for that) and Rasa carries on; nothing the user wrote is lost: it is
in Rasa's tracker, and the next handoff brings it over."""

from __future__ import annotations

import hmac
import logging
import os
from pathlib import Path
from typing import Any

import httpx
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from bot.channels.rasa import ACTIONS, TOKEN_ENV
from bot.knowledge.replies import ReplyCatalog
from bot.nlu.rasa_format import EXTRAS_KEY, LANGUAGE_ENTITY

log = logging.getLogger(__name__)
SERVER_URL_ENV = "SUPPORTBOT_SERVER_URL"
DEFAULT_SERVER_URL = "http://127.0.0.1:8000"


class BridgeUnavailable(Exception):
    """Our server did not answer the action (down, slow, or an error)."""


class BridgeClient:
    def __init__(self, server_url: str, token: str, timeout: float = 20.0):
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.client = httpx.AsyncClient(timeout=timeout)

    async def call(self, action: str, tracker: Tracker) -> dict[str, Any]:
        body = {"sender_id": tracker.sender_id, "events": tracker.events}
        try:
            response = await self.client.post(
                f"{self.server_url}/api/v1/rasa/actions/{action}", json=body,
                headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as error:
            raise BridgeUnavailable(type(error).__name__) from None
        if response.status_code != 200:
            raise BridgeUnavailable(f"HTTP {response.status_code}")
        result: dict[str, Any] = response.json()
        return result


def language_of(tracker: Tracker) -> str:
    """The user's language as our NLU read the latest message (else the slot)."""
    latest = tracker.latest_message or {}
    extras = latest.get(EXTRAS_KEY) or {}
    if extras.get("language"):
        return str(extras["language"])
    for entity in latest.get("entities") or []:
        if entity.get("entity") == LANGUAGE_ENTITY and entity.get("value"):
            return str(entity["value"])
    slot = tracker.get_slot(LANGUAGE_ENTITY)
    return str(slot) if slot else "en"


class DeskAction(Action):
    """One of our actions, as Rasa calls it."""

    def __init__(self, action_name: str, bridge: BridgeClient, replies: ReplyCatalog):
        self.action_name = action_name
        self.bridge = bridge
        self.replies = replies

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            outcome = await self.bridge.call(self.action_name, tracker)
        except BridgeUnavailable as error:
            # The type only: nothing the user wrote goes into logs.
            log.error("%s: the support server did not answer (%s)", self.action_name, error)
            dispatcher.utter_message(text=self.replies.render("error_try_again",
                                                              language_of(tracker)))
            return []
        for message in outcome.get("messages", []):
            dispatcher.utter_message(text=message.get("text", ""),
                                     buttons=message.get("quick_replies") or None)
        return [ConversationPaused()] if outcome.get("pause") else []


def executor(server_url: str, token: str, replies: ReplyCatalog) -> ActionExecutor:
    bridge = BridgeClient(server_url, token)
    actions = ActionExecutor()
    for name in ACTIONS:
        actions.register_action(DeskAction(name, bridge, replies))
    return actions


def serve(responses: Path, languages: list[str], host: str, port: int) -> None:
    """Run the action server until stopped. Rasa must present SUPPORTBOT_RASA_TOKEN
    (endpoints.yml: `action_endpoint: token:`); other callers get 401."""
    from rasa_sdk.endpoint import create_app
    from sanic import response as sanic_response

    from bot.knowledge.replies import read_reply_catalog

    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"set {TOKEN_ENV}: Rasa presents it, and so do we to the server")
    server_url = os.environ.get(SERVER_URL_ENV, DEFAULT_SERVER_URL)
    app = create_app(executor(server_url, token, read_reply_catalog(responses, languages)),
                     cors_origins=[])

    @app.on_request
    async def authenticate(request: Any) -> Any:
        if request.path == "/health":
            return None
        presented = request.args.get("token") or ""
        if not hmac.compare_digest(presented.encode(), token.encode()):
            return sanic_response.json({"error": "token required"}, status=401)
        return None

    print(f"supportbot actions on http://{host}:{port}/webhook → {server_url}", flush=True)
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
