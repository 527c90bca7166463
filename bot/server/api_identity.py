"""Verified trader identity over HTTP: the widget hands in the exchange's signed token,
and the exchange's backend asks for Telegram link codes (server to server, with its key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request, status
from pydantic import BaseModel, Field

from bot.identity.service import API_KEY_ENV, IdentityService, OtherAccount, VerificationOff
from bot.identity.tokens import Claims, TokenRefused
from bot.server.schemas import (
    ConversationId,
    IdentityOut,
    IdentityToken,
    _Request,
    errors,
)

router = APIRouter(tags=["identity"])


class LinkCodeRequest(_Request):
    uid: str = Field(..., min_length=1, max_length=64,
                     pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
                     description="the logged-in trader's exchange UID")
    ttl_seconds: int | None = Field(None, ge=60, le=86400,
                                    description="how long the code works (default: "
                                                "identity.link_code_ttl_seconds)")


class LinkCodeOut(BaseModel):
    code: str = Field(..., description="show it once on the account page; only its "
                                       "SHA-256 is stored")
    uid: str
    expires_at: float


def _identity(request: Request) -> IdentityService:
    identity: IdentityService = request.app.state.services.identity
    return identity


def claims_of(token: IdentityToken) -> Claims:
    return Claims(token.uid, token.email, token.expires, token.signature)


def refused(error: Exception) -> HTTPException:
    """A refused token as the HTTP answer that says why (the conversation is untouched)."""
    if isinstance(error, TokenRefused):
        return HTTPException(error.status, str(error))
    if isinstance(error, VerificationOff):
        return HTTPException(status.HTTP_409_CONFLICT, str(error))
    if isinstance(error, OtherAccount):
        return HTTPException(status.HTTP_409_CONFLICT, str(error))
    raise error


@router.post("/api/v1/conversations/{conversation_id}/identity", response_model=IdentityOut,
             responses={**errors(400, 401, 404, 409), 422: {"description": "a malformed token"}})
def verify_conversation(conversation_id: ConversationId, body: IdentityToken,
                        request: Request) -> dict[str, Any]:
    """The page's signed identity for a conversation opened before (a returning trader who
    has since logged in). Refused (401 forged or expired, 422 malformed, 409 another
    account's conversation or verification off): the conversation goes on unverified."""
    try:
        return _identity(request).verify_widget(conversation_id, claims_of(body))
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no conversation {conversation_id}") from None
    except (TokenRefused, VerificationOff, OtherAccount) as error:
        raise refused(error) from None


@router.post("/api/v1/identity/link-codes", status_code=201, response_model=LinkCodeOut,
             responses={**errors(400, 401, 404), 422: {"description": "a malformed uid or ttl"}})
def issue_link_code(body: LinkCodeRequest, request: Request,
                    authorization: str | None = Header(None)) -> dict[str, Any]:
    """For the exchange's backend: a one-time code its account page shows a logged-in
    trader, who sends `/link CODE` to the Telegram bot in a private chat. Authenticated
    with `Authorization: Bearer <SUPPORTBOT_EXCHANGE_API_KEY>`."""
    identity = _identity(request)
    if not identity.linking_on:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"Telegram identity linking is off on this server ({API_KEY_ENV} "
                            "is not set)")
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not identity.api_key_matches(presented.strip()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "a valid exchange API key is required (Authorization: Bearer …)",
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        code, expires_at = identity.issue_link_code(body.uid, body.ttl_seconds)
    except TokenRefused as error:
        raise refused(error) from None
    return {"code": code, "uid": body.uid, "expires_at": expires_at}
