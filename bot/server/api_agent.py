"""The agent side of the HTTP API (authenticated): queue, claim, reply, release,
transfer, close, transcript, heartbeat."""

from __future__ import annotations

import time
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from bot.attachments import read_attachment
from bot.conversations.store import ConversationStore
from bot.identity.view import identity_block, needs_warning
from bot.server import metrics
from bot.server.api_attachments import (
    UPLOAD_ERRORS,
    UPLOAD_OPENAPI,
    AttachmentId,
    Filename,
    UploadOut,
    file_response,
    receive_upload,
    store_of,
)
from bot.server.api_incidents import queue_extras
from bot.server.auth import SESSION_COOKIE, current_session, password_session
from bot.server.login_throttle import LoginThrottle
from bot.server.schemas import (
    AgentReply,
    Close,
    Cursor,
    HandoffId,
    Login,
    LoginOut,
    Transfer,
    Typing,
    errors,
    once,
)
from bot.storage.database import reading
from bot.storage.schema import MAX_ID
from handoff.agents import Session
from handoff.desk import DeskOutcome, DeskResult
from handoff.packet import mark_button
from handoff.queue import ASSIGNED, ClaimOutcome, HandoffQueue
from handoff.routing import sla_status, urgency_of
from handoff.visibility import SUPERVISOR, may_read

router = APIRouter(prefix="/api/v1/agent", tags=["agents"],
                   responses=errors(400, 401, 403, 404, 409, 413))
_CLAIM_STATUS = {ClaimOutcome.MISSING: 404, ClaimOutcome.TAKEN: 409,
                 ClaimOutcome.NOT_OFFERED: 409, ClaimOutcome.AT_CAPACITY: 409}
_DESK_STATUS = {DeskOutcome.MISSING: 404, DeskOutcome.CONFLICT: 409}


def _services(request: Request) -> Any:
    return request.app.state.services


def readable_case(services: Any, session: Session, handoff_id: int) -> Any:
    """The case row if this agent may read it (handoff/visibility.py); 404 if there is
    none, 403 if it is not theirs to read."""
    with reading(services.db) as connection:
        row = HandoffQueue.by_id(connection, handoff_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such handoff")
    agent = session.agent
    if not may_read(role=agent.role, agent_id=agent.id, languages=agent.languages,
                    status=row.status, holder_id=row.agent_id, lang=row.lang,
                    queued_at=row.queued_at, now=time.time(),
                    settings=services.settings.handoff):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "this conversation is not yours to read (ask a supervisor)")
    return row


def _check(result: DeskResult) -> dict[str, Any]:
    if result.outcome is not DeskOutcome.OK:
        raise HTTPException(_DESK_STATUS[result.outcome], result.detail)
    return {"ok": True, **(result.data or {})}


@router.post("/login", response_model=LoginOut, responses=errors(401, 429))
async def login(body: Login, request: Request, response: Response) -> dict[str, Any]:
    """Sign in. Failed passwords slow further tries down (429 with Retry-After; see
    bot/server/login_throttle.py); one password check at a time per process, so a flood
    of guesses cannot take the CPU from everyone else."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else ""
    if request.app.state.login_checks is None:  # belongs to the running event loop
        request.app.state.login_checks = CapacityLimiter(1)
    async with request.app.state.login_checks:
        # Checked once this request's turn has come: guesses sent all at once are
        # judged one after the other, each seeing the failures before it.
        wait = throttle.retry_after(body.username, address)
        if wait:
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                                f"Too many failed sign-ins. Try again in {wait} seconds.",
                                headers={"Retry-After": str(wait)})
        session = await to_thread.run_sync(_services(request).agents.login, body.username,
                                           body.password)
        if session is None:
            throttle.failed(body.username, address)
        else:
            throttle.succeeded(body.username, address)
    if session is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="strict",
                        max_age=int(session.expires_at - time.time()))
    return {"token": session.token, "csrf_token": session.csrf_token,
            "expires_at": session.expires_at, "agent": _agent(session),
            # Until it is passed, the session may only enrol, verify and log out.
            "second_factor": _services(request).second_factor.state(session).value}


def _agent(session: Session) -> dict[str, Any]:
    agent = session.agent
    return {"username": agent.username, "display_name": agent.display_name,
            "languages": list(agent.languages), "capacity": agent.capacity,
            "role": agent.role}


@router.post("/logout")
def logout(request: Request, response: Response,
           session: Session = Depends(password_session)) -> dict[str, bool]:
    _services(request).agents.logout(session.token)
    response.delete_cookie(SESSION_COOKIE)
    return {"ok": True}


@router.get("/me")
def me(session: Session = Depends(current_session)) -> dict[str, Any]:
    return {**_agent(session), "csrf_token": session.csrf_token,
            "expires_at": session.expires_at}


@router.post("/heartbeat")
def heartbeat(request: Request, session: Session = Depends(current_session)) -> dict[str, Any]:
    services = _services(request)
    services.agents.heartbeat(session.agent.id)
    returned = services.desk.requeue_silent_agents()
    return {"ok": True, "requeued": returned}


@router.get("/queue")
def queue(request: Request, session: Session = Depends(current_session),
          lang: str | None = Query(None, pattern=r"^[A-Za-z-]{1,8}$"),
          everyone: bool = Query(False, description="include items not yet offered to you")
          ) -> dict[str, Any]:
    services = _services(request)
    if everyone and session.agent.role != SUPERVISOR:
        # Cards carry the first message: other languages' cases are not everyone's to read.
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only supervisors see every case")
    services.desk.requeue_silent_agents()
    items = services.queue.listing(None if everyone else session.agent, lang)
    return {"items": [item.as_dict() for item in items],
            "mine": services.desk.held_by(session.agent),
            # The declared incident and its group card (bot/server/api_incidents.py).
            **queue_extras(services, items)}


@router.post("/handoffs/next")
def claim_next(request: Request, session: Session = Depends(current_session)) -> dict[str, Any]:
    services = _services(request)
    for item in services.queue.listing(session.agent):
        outcome, data = services.desk.claim(item.id, session.agent)
        if outcome is ClaimOutcome.CLAIMED:
            return _claimed(services, item.id, data)
    raise HTTPException(status.HTTP_404_NOT_FOUND, "nothing in the queue for you")


@router.post("/handoffs/{handoff_id:int}/claim")
def claim(handoff_id: HandoffId, request: Request,
          session: Session = Depends(current_session)) -> dict[str, Any]:
    services = _services(request)
    outcome, data = services.desk.claim(handoff_id, session.agent)
    if outcome is not ClaimOutcome.CLAIMED:
        raise HTTPException(_CLAIM_STATUS[outcome], outcome.value)
    return _claimed(services, handoff_id, data)


def _claimed(services: Any, handoff_id: int, data: dict[str, Any] | None) -> dict[str, Any]:
    with reading(services.db) as connection:
        row = HandoffQueue.by_id(connection, handoff_id)
    metrics.WAIT_SECONDS.observe(max(0.0, row.assigned_at - row.queued_at))
    return {"ok": True, **(data or {})}


@router.post("/handoffs/{handoff_id:int}/reply")
def reply(handoff_id: HandoffId, body: AgentReply, request: Request,
          session: Session = Depends(current_session)) -> dict[str, Any]:
    services = _services(request)
    with reading(services.db) as connection:
        row = HandoffQueue.by_id(connection, handoff_id)
    if row is not None and row.status == ASSIGNED and row.agent_id == session.agent.id:
        # Withdrawn before the reply is stored: the update that carries it must not also
        # say "typing…". (Anyone else's reply is refused by the desk: 404 / 409.)
        services.typing.mark(row.conversation_id, "agent", active=False)
    return _check(services.desk.reply(handoff_id, session.agent, body.text))


@router.post("/handoffs/{handoff_id:int}/typing")
def typing(handoff_id: HandoffId, body: Typing, request: Request,
           session: Session = Depends(current_session)) -> dict[str, bool]:
    """The agent is typing a reply (the widget shows "<name> typing…"); only in a
    conversation the agent holds."""
    services = _services(request)
    row = readable_case(services, session, handoff_id)
    if row.status != ASSIGNED or row.agent_id != session.agent.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "not your conversation")
    services.typing.mark(row.conversation_id, "agent", body.active,
                         session.agent.display_name)
    services.dialogue.notify(row.conversation_id)
    return {"ok": True}


@router.post("/handoffs/{handoff_id:int}/attachments", status_code=201,
             response_model=UploadOut, responses=UPLOAD_ERRORS, openapi_extra=UPLOAD_OPENAPI)
async def send_attachment(handoff_id: HandoffId, request: Request, filename: Filename = None,
                          session: Session = Depends(current_session)) -> dict[str, Any]:
    """Send the trader a file (a form to fill, an annotated screenshot): the same checks
    as the trader's uploads; only in a conversation the agent holds."""
    services = _services(request)
    row = await to_thread.run_sync(readable_case, services, session, handoff_id)
    if row.status != ASSIGNED or row.agent_id != session.agent.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "not your conversation")
    return await receive_upload(request, row.conversation_id, filename,
                                agent_name=session.agent.display_name)


@router.get("/attachments/{attachment_id}", response_class=Response,
            responses={200: {"description": "the file (or its thumbnail)"}})
def attachment(attachment_id: AttachmentId, request: Request, thumbnail: bool = False,
               session: Session = Depends(current_session)) -> Response:
    """A file of a case this agent may read (the same rule as its transcript); the full
    file's reads go to the audit log."""
    services = _services(request)
    try:
        meta, data = read_attachment(store_of(request), attachment_id, thumbnail)
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such attachment") from None
    with reading(services.db) as connection:
        case = HandoffQueue.latest_for(connection, meta.conversation_id)
    if case is None:  # never handed over: no agent has business with it
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this file is not yours to read")
    readable_case(services, session, case.id)
    if not thumbnail:
        services.audit.record(session.agent, "read_attachment", case.id, meta.conversation_id)
    return file_response(meta, data)


@router.get("/audit", responses=errors(403))
def audit(request: Request, session: Session = Depends(current_session),
          handoff: int | None = Query(None, ge=1, le=MAX_ID, description="one case only")
          ) -> list[dict[str, Any]]:
    """Who read which case, newest first (supervisors only)."""
    if session.agent.role != SUPERVISOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only supervisors read the audit log")
    return _services(request).audit.entries(handoff)


@router.post("/handoffs/{handoff_id:int}/release")
def release(handoff_id: HandoffId, request: Request,
            session: Session = Depends(current_session)) -> dict[str, Any]:
    return _check(_services(request).desk.release(handoff_id, session.agent))


@router.get("/transfer-targets")
def transfer_targets(request: Request,
                     session: Session = Depends(current_session)) -> list[dict[str, Any]]:
    """Colleagues online with room for one more conversation: whom "transfer" may choose."""
    return list(_services(request).desk.transfer_targets(session.agent))


@router.post("/handoffs/{handoff_id:int}/transfer")
def transfer(handoff_id: HandoffId, body: Transfer, request: Request,
             session: Session = Depends(current_session)) -> dict[str, Any]:
    return _check(_services(request).desk.transfer(handoff_id, session.agent, body.to))


@router.post("/handoffs/{handoff_id:int}/close")
def close(handoff_id: HandoffId, body: Close, request: Request,
          session: Session = Depends(current_session)) -> dict[str, Any]:
    return _check(_services(request).desk.close(handoff_id, session.agent, body.resolution))


@router.get("/handoffs/{handoff_id:int}", dependencies=[Depends(once("after"))])
def transcript(handoff_id: HandoffId, request: Request,
               session: Session = Depends(current_session),
               after: Cursor = 0) -> dict[str, Any]:
    """The handoff packet and the live, redacted transcript (for an agent who may read
    it; the first read of each opening is written to the audit log)."""
    services = _services(request)
    row = readable_case(services, session, handoff_id)
    if after == 0:
        services.audit.record(session.agent, "read_transcript", row.id, row.conversation_id)
    with reading(services.db) as connection:
        conversation = ConversationStore.row(connection, row.conversation_id)
        position = HandoffQueue.position(connection, row)
    sla = sla_status(row.priority, row.queued_at, time.time(), services.settings.handoff,
                     row.first_assigned_at)
    packet = dict(row.packet or {})
    packet.pop("transcript", None)  # the live transcript below supersedes the snapshot
    # Who the trader is, as the conversation says now (verified after the packet was built?)
    packet["identity"] = identity_block(conversation)
    packet["identity_warning"] = needs_warning(packet.get("intent") or row.intent,
                                               packet["identity"], row.reason)
    return {
        "handoff": {"id": row.id, "status": row.status, "priority": urgency_of(row.priority),
                    "reason": row.reason, "lang": row.lang, "intent": row.intent,
                    "queued_at": row.queued_at, "position": position,
                    "mine": row.agent_id == session.agent.id, "sla_deadline": sla.deadline,
                    "sla_breached": sla.breached, "resolution": row.resolution},
        "conversation": {"id": conversation.id, "channel": conversation.channel,
                         "state": conversation.state, "lang": conversation.lang,
                         "script": conversation.script, "user": conversation.user_label,
                         "csat": conversation.csat},
        "packet": packet,
        "typing": {"user": services.typing.current(row.conversation_id)["user"]},
        "messages": [mark_button(message) for message in
                     services.dialogue.store.messages_after(row.conversation_id, after)],
    }
