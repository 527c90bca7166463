"""The user side of the HTTP API: open a conversation, send messages, fetch replies."""

from __future__ import annotations

import time
import uuid
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from bot.dialogue import state as st
from bot.dialogue.engine import ConversationNotFound, MessageTooLong
from bot.identity.service import VerificationOff
from bot.identity.tokens import TokenRefused
from bot.identity.view import identity_block
from bot.server import metrics
from bot.server.api_identity import claims_of, refused
from bot.server.schemas import (
    ConversationId,
    ConversationOut,
    Csat,
    Cursor,
    OpenConversation,
    TurnOut,
    UserMessage,
    errors,
    once,
)
from bot.server.turns import Flooding

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"],
                   responses=errors(400, 404, 409, 413))


def _services(request: Request) -> Any:
    return request.app.state.services


def _found(services: Any, conversation_id: str) -> Any:
    row = services.dialogue.store.get(conversation_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    return row


@router.post("", status_code=201, response_model=ConversationOut,
             responses={**errors(401), 422: {"description": "invalid fields or identity"}})
def open_conversation(body: OpenConversation, request: Request) -> dict[str, Any]:
    """Open a conversation; with `identity` (the exchange's signed token) it is verified
    from the start. A refused token opens nothing: the widget opens it without one."""
    services = _services(request)
    verified = None
    if body.identity is not None:
        try:  # checked before anything is stored
            verified = services.identity.check(claims_of(body.identity))
        except (TokenRefused, VerificationOff) as error:
            raise refused(error) from None
    key = f"{body.channel}:{uuid.uuid4()}"
    conversation_id = services.dialogue.open(body.channel, key, body.user, None, body.locale)
    identity = (services.identity.attach(conversation_id, verified) if verified
                else {"verified": False, "via": None})
    return {"id": conversation_id, "state": st.BOT, "lang": None, "handoff": None,
            "messages": [], "identity": identity}


@router.get("/{conversation_id}", response_model=ConversationOut)
def get_conversation(conversation_id: ConversationId, request: Request) -> dict[str, Any]:
    services = _services(request)
    row = _found(services, conversation_id)
    return {"id": row.id, "state": row.state, "lang": row.lang,
            "handoff": services.dialogue.handoff_of(row.id),
            "messages": services.dialogue.store.messages_after(row.id),
            "identity": identity_block(row)}


@router.post("/{conversation_id}/messages", response_model=TurnOut, responses={
    **errors(429),
    202: {"model": TurnOut, "description": "Only with `Prefer: respond-async`: stored; the "
          "server is busy and the replies follow over the WebSocket or GET …/messages "
          "(`notice` says so in the user's language)."}})
async def post_message(conversation_id: ConversationId, body: UserMessage, request: Request,
                       response: Response) -> dict[str, Any]:
    """Store the message and answer it. A client that can take its replies later (it
    listens on the WebSocket or polls) says so with `Prefer: respond-async` (RFC 7240):
    when the server is busy it then gets 202 and a notice at once instead of waiting.
    Without it the answer always comes in this response."""
    services = _services(request)
    may_defer = "respond-async" in request.headers.get("prefer", "").lower()
    started = time.perf_counter()
    try:
        if body.client_seq is not None:
            await to_thread.run_sync(services.dialogue.store.wait_for_turn, conversation_id,
                                     body.client_seq)
        turn = await request.app.state.turns.run(
            conversation_id, body.text, body.client_message_id, body.locale, body.client_seq,
            may_defer, request.client.host if request.client else "")
    except Flooding as flood:
        # Stored (a retry with the same client_message_id is recognised), not answered.
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, flood.notice,
                            headers={"Retry-After": str(flood.retry_after)}) from None
    except ConversationNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except MessageTooLong as error:
        raise HTTPException(413, str(error)) from None
    metrics.count_turn(turn, started)
    if turn.busy_notice is not None:
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Preference-Applied"] = "respond-async"
        return {"message_id": turn.message_id, "replies": [], "lang": None, "intent": None,
                "confidence": None, "urgency": None, "entities": [], "state": turn.state,
                "handoff": turn.handoff, "deferred": True, "notice": turn.busy_notice,
                "stored_text": turn.stored_text}
    u = turn.understanding
    return {
        "message_id": turn.message_id, "replies": turn.replies,
        "lang": u.lang if u else None, "intent": u.intent if u else None,
        "confidence": u.confidence if u else None, "urgency": u.urgency if u else None,
        "entities": [e.as_dict() for e in u.entities] if u else [],
        "state": turn.state, "handoff": turn.handoff, "duplicate": u is None,
        "stored_text": turn.stored_text,
    }


@router.get("/{conversation_id}/messages", dependencies=[Depends(once("after"))])
def list_messages(conversation_id: ConversationId, request: Request,
                  after: Cursor = 0
                  ) -> dict[str, Any]:
    services = _services(request)
    row = _found(services, conversation_id)
    return {"state": row.state, "handoff": services.dialogue.handoff_of(conversation_id),
            "messages": services.dialogue.store.messages_after(conversation_id, after)}


@router.post("/{conversation_id}/csat")
def post_csat(conversation_id: ConversationId, body: Csat, request: Request) -> dict[str, Any]:
    services = _services(request)
    _found(services, conversation_id)
    if not services.dialogue.rate(conversation_id, body.score):
        raise HTTPException(status.HTTP_409_CONFLICT, "rate a conversation once it is closed")
    return {"score": body.score}
