"""A trader's data request, for supervisors: erase (POST) and export (GET). Both are
written to the audit log (who, when, which conversations)."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import Field

from bot.privacy.erasure import Actor, Outcome, erase_trader
from bot.privacy.export import export_trader, record_export
from bot.privacy.subject import Trader
from bot.server.auth import current_session
from bot.server.schemas import _Request, errors
from handoff.agents import Session
from handoff.visibility import SUPERVISOR

router = APIRouter(prefix="/api/v1/agent/privacy", tags=["privacy"],
                   responses=errors(400, 401, 403, 404, 409))
# One way to name the trader, in one field, so the OpenAPI document says exactly what is
# valid: "uid:U123", "conversation:<uuid>" or "telegram:<user id>" (JavaScript-safe).
TRADER = (r"^(uid:[A-Za-z0-9._:@-]{1,64}|conversation:[0-9a-fA-F-]{36}"
          r"|telegram:[1-9][0-9]{0,14})$")
_TRADER_HELP = ("the trader: `uid:<exchange UID>` (conversations the exchange verified), "
                "`conversation:<id>` or `telegram:<user id>`")


class EraseRequest(_Request):
    trader: str = Field(..., pattern=TRADER, description=_TRADER_HELP)
    force: bool = Field(False, description="also erase open conversations (queued or with "
                                           "an agent): their cases are closed first")


def _trader(named: str) -> Trader:
    kind, _, value = named.partition(":")
    if kind == "uid":
        return Trader(uid=value)
    if kind == "conversation":
        return Trader(conversation_id=value)
    return Trader(telegram_user=int(value))  # the pattern allows nothing else


def _supervisor(session: Session) -> None:
    if session.agent.role != SUPERVISOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "only supervisors erase or export a trader's data")


@router.post("/erase")
async def erase(body: EraseRequest, request: Request,
                session: Session = Depends(current_session)) -> dict[str, Any]:
    """Erase the trader's transcripts, files and case details (an anonymised skeleton
    stays for the counts). 404: nothing found; 409: a conversation is open and `force`
    was not given. Nothing is touched in either case."""
    _supervisor(session)
    trader = _trader(body.trader)
    services = request.app.state.services
    actor = Actor(session.agent.id, session.agent.username)
    result = await to_thread.run_sync(lambda: erase_trader(
        services.db, request.app.state.attachments, trader, actor, force=body.force,
        vacuum=services.settings.retention.vacuum))
    if result.outcome is Outcome.NOT_FOUND:
        raise HTTPException(status.HTTP_404_NOT_FOUND, result.line())
    if result.outcome is Outcome.OPEN:
        raise HTTPException(status.HTTP_409_CONFLICT, result.line())
    for conversation_id in result.conversations:
        services.dialogue.notify(conversation_id)  # consoles and widgets re-read
    return result.as_dict()


@router.get("/export")
async def export(request: Request, session: Session = Depends(current_session),
                 trader: str = Query(..., pattern=TRADER, description=_TRADER_HELP),
                 ) -> dict[str, Any]:
    """Everything stored about the trader, as JSON (format `supportbot-trader-export`)."""
    _supervisor(session)
    named = _trader(trader)
    services = request.app.state.services
    document = await to_thread.run_sync(export_trader, services.db, named)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no conversations found for {named.describe()}")
    await to_thread.run_sync(record_export, services.db, session.agent.id,
                             session.agent.username, document)
    return document
