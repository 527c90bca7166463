"""The user side of the HTTP API: open a conversation, send messages, fetch replies."""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status

from bot.dialogue import state as st
from bot.dialogue.engine import ConversationNotFound, MessageTooLong
from bot.server import metrics
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

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"],
                   responses=errors(400, 404, 409, 413))


def _services(request: Request) -> Any:
    return request.app.state.services


def _found(services: Any, conversation_id: str) -> Any:
    row = services.dialogue.store.get(conversation_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    return row


@router.post("", status_code=201, response_model=ConversationOut)
def open_conversation(body: OpenConversation, request: Request) -> dict[str, Any]:
    services = _services(request)
    key = f"{body.channel}:{uuid.uuid4()}"
    conversation_id = services.dialogue.open(body.channel, key, body.user, None)
    return {"id": conversation_id, "state": st.BOT, "lang": None, "handoff": None,
            "messages": []}


@router.get("/{conversation_id}", response_model=ConversationOut)
def get_conversation(conversation_id: ConversationId, request: Request) -> dict[str, Any]:
    services = _services(request)
    row = _found(services, conversation_id)
    return {"id": row.id, "state": row.state, "lang": row.lang,
            "handoff": services.dialogue.handoff_of(row.id),
            "messages": services.dialogue.store.messages_after(row.id)}


@router.post("/{conversation_id}/messages", response_model=TurnOut)
def post_message(conversation_id: ConversationId, body: UserMessage,
                 request: Request) -> dict[str, Any]:
    services = _services(request)
    started = time.perf_counter()
    try:
        services.dialogue.store.wait_for_turn(conversation_id, body.client_seq)
        turn = services.dialogue.handle(conversation_id, body.text, body.client_message_id,
                                        body.locale, client_seq=body.client_seq)
    except ConversationNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except MessageTooLong as error:
        raise HTTPException(413, str(error)) from None
    u = turn.understanding
    if u is not None:
        metrics.MESSAGES.labels(turn.channel).inc()
        metrics.INTENTS.labels(u.intent, u.lang).inc()
        metrics.NLU_LATENCY.observe(u.latency_ms / 1000)
        if turn.handoff and turn.previous_state == st.BOT and turn.state == st.QUEUED:
            metrics.HANDOFFS.labels(turn.handoff["reason"], turn.handoff["priority"]).inc()
    metrics.TURN_LATENCY.observe(time.perf_counter() - started)
    return {
        "message_id": turn.message_id, "replies": turn.replies,
        "lang": u.lang if u else None, "intent": u.intent if u else None,
        "confidence": u.confidence if u else None, "urgency": u.urgency if u else None,
        "entities": [e.as_dict() for e in u.entities] if u else [],
        "state": turn.state, "handoff": turn.handoff, "duplicate": u is None,
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
