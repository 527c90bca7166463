"""Rasa's side of the bridge over HTTP: its NLU contract (`POST /model/parse`, as Rasa's
`RasaNLUHttpInterpreter` calls it when endpoints.yml has `nlu: url:`) and the calls our
rasa_sdk action server makes. Every route wants SUPPORTBOT_RASA_TOKEN; without it set,
the bridge is off (404, saying so), never open."""

from __future__ import annotations

import hmac
import json
import os
from typing import Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import Field

from bot import __version__
from bot.channels.rasa import TOKEN_ENV, URL_ENV
from bot.channels.rasa.bridge import ActionOutcome, RasaBridge
from bot.dialogue.engine import MessageTooLong
from bot.server.schemas import NO_NUL, _Request

router = APIRouter(tags=["rasa"])
MAX_SENDER_ID = 255
RASA_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": meaning, "content": {"application/json": {"schema": {
        "type": "object", "required": ["status", "reason", "message", "code"],
        "properties": {"version": {"type": "string"}, "status": {"type": "string"},
                       "reason": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "object"}, "help": {"type": ["string", "null"]},
                       "code": {"type": "integer"}}}}}}
    for code, meaning in ((400, "the body is not JSON"),
                          (401, "no token, or not SUPPORTBOT_RASA_TOKEN"),
                          (422, "the body is not a parse request (Rasa's error shape)"),
                          (404, "the Rasa bridge is off: SUPPORTBOT_RASA_TOKEN is not set"))}
PARSE_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["text"], "properties": {
        "text": {"type": "string", "description": "the user's message"},
        "message_id": {"type": ["string", "null"], "minLength": 1,
                       "maxLength": MAX_SENDER_ID,
                       "description": "Rasa sends the conversation's sender id here"},
        "token": {"type": ["string", "null"],
                  "description": "SUPPORTBOT_RASA_TOKEN, as endpoints.yml's nlu: token"}}}}}}


class RasaError(Exception):
    def __init__(self, code: int, reason: str, message: str,
                 details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def response(self) -> JSONResponse:
        """Rasa's own error body (rasa.server.ErrorResponse), so Rasa tooling reads it."""
        return JSONResponse({"version": __version__, "status": "failure",
                             "message": self.message, "reason": self.reason,
                             "details": self.details or {}, "help": "docs/rasa.md",
                             "code": self.code}, status_code=self.code)


def _bridge(request: Request) -> RasaBridge:
    bridge: RasaBridge | None = getattr(request.app.state, "rasa_bridge", None)
    if bridge is None:
        bridge = RasaBridge(request.app.state.services.dialogue,
                            way_back=bool(os.environ.get(URL_ENV, "").strip()))
        request.app.state.rasa_bridge = bridge
    return bridge


def token_matches(presented: str | None) -> bool:
    expected = os.environ.get(TOKEN_ENV, "")
    if not expected:
        raise RasaError(404, "BridgeOff", f"the Rasa bridge is off: set {TOKEN_ENV}")
    return bool(presented) and hmac.compare_digest(str(presented).encode(), expected.encode())


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


@router.post("/model/parse", openapi_extra={"requestBody": PARSE_BODY},
             responses={200: {"description": "Rasa's parse result, plus `supportbot` "
                                             "(language, script, urgency, flags …)"},
                        **RASA_ERRORS})
async def parse(request: Request, token: str | None = Query(None),
                authorization: str | None = Header(None)) -> Any:
    try:
        try:
            body = json.loads(await request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RasaError(400, "BadRequest", "the body is not JSON") from None
        if not isinstance(body, dict):
            raise RasaError(422, "BadRequest", "the body must be a JSON object with `text`",
                            {"parameter": "text", "in": "body"})
        text, sender = body.get("text"), body.get("message_id")
        if not isinstance(text, str) or "\x00" in text:
            raise RasaError(422, "BadRequest", "No text message defined in request_body: "
                            "send {\"text\": \"…\"}", {"parameter": "text", "in": "body"})
        if sender is not None and (not isinstance(sender, str) or not sender
                                   or len(sender) > MAX_SENDER_ID or "\x00" in sender):
            raise RasaError(422, "BadRequest", f"message_id must be a sender id of 1 to "
                            f"{MAX_SENDER_ID} characters", {"parameter": "message_id",
                                                             "in": "body"})
        presented = token or _bearer(authorization) or body.get("token")
        if not token_matches(presented if isinstance(presented, str) else None):
            raise RasaError(401, "NotAuthenticated", "User is not authenticated.")
        try:
            return await run_in_threadpool(_bridge(request).parse, text, sender)
        except MessageTooLong as error:
            raise RasaError(422, "MessageTooLong", str(error),
                            {"parameter": "text", "in": "body"}) from None
    except RasaError as error:
        return error.response()


class ActionCall(_Request):
    sender_id: str = Field(..., min_length=1, max_length=MAX_SENDER_ID, pattern=NO_NUL)
    events: list[dict[str, Any]] = Field(default_factory=list, max_length=10_000,
                                         description="the Rasa tracker's events")
    sender_label: str | None = Field(None, max_length=128, pattern=NO_NUL,
                                     description="who the user is, for agents")


class ActionOut(_Request):
    messages: list[dict[str, Any]]
    pause: bool


ActionName = Literal["action_handoff", "action_answer_faq", "action_ticket_status",
                     "action_security_checklist", "action_store_csat"]


@router.post("/api/v1/rasa/actions/{name}", response_model=ActionOut,
             responses={400: {"description": "the body is not valid JSON"},
                        401: {"description": "no token, or not SUPPORTBOT_RASA_TOKEN"},
                        404: {"description": "the Rasa bridge is off: "
                                              "SUPPORTBOT_RASA_TOKEN is not set"},
                        413: {"description": "a message is too long"}})
def run_action(name: ActionName, body: ActionCall, request: Request,
               authorization: str | None = Header(None)) -> dict[str, Any]:
    """What one of our Rasa actions does for this user (called by `supportbot actions`)."""
    try:
        allowed = token_matches(_bearer(authorization))
    except RasaError as error:
        raise HTTPException(error.code, error.message) from None
    if not allowed:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bearer SUPPORTBOT_RASA_TOKEN")
    try:
        outcome: ActionOutcome = _bridge(request).run_action(name, body.sender_id,
                                                             body.events, body.sender_label)
    except MessageTooLong as error:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, str(error)) from None
    return outcome.as_dict()
