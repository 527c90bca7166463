"""Request and response bodies of the HTTP API (they document /openapi.json)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.storage.schema import MAX_ID

State = Literal["bot", "queued", "with_agent", "closed"]


# No NUL character in any text a client sends (PostgreSQL cannot store one; it is never
# meaningful in chat). A pattern, so that the OpenAPI document says so too.
NO_NUL = r"^[^\x00]*$"


def _no_surrogates(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in value)
    if depth > 8:  # no body of ours nests deeper; validation refuses what does
        return value
    if isinstance(value, dict):
        return {key: _no_surrogates(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_no_surrogates(item, depth + 1) for item in value]
    return value


class _Request(BaseModel):
    """A request body: unknown fields are refused. A lone UTF-16 surrogate (JSON
    "\\ud800") in any text becomes U+FFFD: no database can store one, and it failed the
    request with a 500 (0.11.13 review)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return _no_surrogates(data)


class IdentityToken(_Request):
    """The exchange vouches for its logged-in trader (see docs/identity.md): signature =
    hex HMAC-SHA256 with SUPPORTBOT_IDENTITY_SECRET over "supportbot-identity-v1\\n" +
    uid + "\\n" + email + "\\n" + expires."""

    uid: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
                     description="the trader's exchange UID")
    email: str = Field("", max_length=254, pattern=NO_NUL,
                       description="the account's e-mail as signed (may be empty)")
    expires: int = Field(..., ge=1, le=2**40, description="UNIX seconds; short-lived")
    signature: str = Field(..., pattern=r"^[0-9a-f]{64}$", description="lowercase hex")


class IdentityOut(BaseModel):
    verified: bool
    uid: str | None = None
    email: str | None = None
    via: Literal["widget", "telegram"] | None = None


class OpenConversation(_Request):
    channel: Literal["api", "web"] = "api"
    identity: IdentityToken | None = Field(
        None, description="the trader's signed identity: a bad one is refused (401/422) "
                          "and no conversation is opened")
    user: str | None = Field(None, max_length=128, pattern=NO_NUL,
                             description="who the user is, for agents")
    locale: str | None = Field(None, max_length=35, pattern=NO_NUL,
                               description="e.g. browser language zh-TW")


class QuickReply(BaseModel):
    title: str
    payload: str


class MessageAttachment(BaseModel):
    id: str
    name: str
    type: str
    size: int
    width: int | None = None
    height: int | None = None
    thumbnail: bool = False


class Message(BaseModel):
    id: int
    author: Literal["user", "bot", "agent", "system"]
    author_name: str | None = None
    text: str
    kind: str
    quick_replies: list[QuickReply] = []
    attachment: MessageAttachment | None = None  # kind "attachment": the file sent
    created_at: float


class HandoffInfo(BaseModel):
    id: int
    priority: Literal["P1", "P2", "P3", "P4"]
    position: int
    status: str


class ConversationOut(BaseModel):
    id: str
    state: State
    lang: str | None
    handoff: HandoffInfo | None
    messages: list[Message] = []
    identity: IdentityOut | None = None  # verified by a signed identity token, or not


# Ids and cursors are checked against the keys' range at the edge: a larger number is a
# 422, never a database error (a 500).
ConversationId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,64}$",
                                      description="a conversation's id")]
HandoffId = Annotated[int, Path(ge=1, le=MAX_ID, description="a handoff's id (its case number)")]
Cursor = Annotated[int, Query(ge=0, le=MAX_ID, description="the last message id you have")]


def once(*names: str) -> Callable[[Request], None]:
    """A dependency: these query parameters may be given once (FastAPI would silently
    take the last of several, and a cursor given twice is a client bug worth a 422)."""

    def check(request: Request) -> None:
        for name in names:
            if len(request.query_params.getlist(name)) > 1:
                # The shape of FastAPI's own validation errors (documented for 422).
                raise HTTPException(422, [{"loc": ["query", name], "type": "value_error",
                                           "msg": f"give `{name}` once"}])

    return check


class ErrorOut(BaseModel):
    """Every error answer: what went wrong (422: the list of invalid fields)."""

    detail: str | list[dict[str, Any]]
    # Some errors also carry a machine-readable code, e.g. second_factor_required (403:
    # the session has not passed the second factor yet; see /api/v1/agent/second-factor).
    code: str | None = None


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a group of routes can answer."""
    meaning = {400: "the body is not valid JSON", 401: "no or an expired agent session",
               403: "the CSRF token is missing or wrong (cookie sessions), or the "
                    "session has not passed the second factor (code second_factor_required)",
               404: "no such conversation or handoff", 409: "the state does not allow it",
               413: "the body or the text is too long",
               429: "too many tries (sign-ins) or messages: wait the Retry-After seconds; "
                    "a message refused so was stored all the same",
               503: "the database is unreachable"}
    return {code: {"model": ErrorOut, "description": meaning[code]} for code in codes}


class UserMessage(_Request):
    # No NUL check here: the engine turns control characters into spaces before the
    # secrets scan, so a message holding one is stored, not refused (and lost).
    text: str = Field(..., description="the user's message (redacted before storage)")
    client_message_id: str | None = Field(
        None, max_length=80, pattern=NO_NUL,
        description="makes a retry idempotent: same id → same replies")
    locale: str | None = Field(None, max_length=35, pattern=NO_NUL)
    client_seq: int | None = Field(
        None, ge=1, le=10_000_000,
        description="the client's running number for its messages in this conversation: a "
                    "message is stored after the one numbered before it (waiting briefly "
                    "for it), whatever order they arrive in")


class TurnOut(BaseModel):
    message_id: int
    replies: list[Message]
    lang: str | None
    intent: str | None
    confidence: float | None
    urgency: str | None
    entities: list[dict[str, Any]]
    state: State
    handoff: HandoffInfo | None
    duplicate: bool = False
    # HTTP 202: the server is busy; the message is stored and its replies follow over the
    # live channel (WebSocket, or GET …/messages?after=message_id). `notice` says so in
    # the user's language.
    deferred: bool = False
    notice: str | None = None
    stored_text: str | None = Field(
        None, description="the message as stored, when the secrets scanner changed it "
                          "(a pasted password shows as [REDACTED:password]): show this "
                          "instead of what was typed")


class Csat(_Request):
    score: int = Field(..., ge=1, le=5)


class Login(_Request):
    username: str = Field(..., max_length=64, pattern=NO_NUL)
    password: str = Field(..., max_length=256, pattern=NO_NUL)


class LoginOut(BaseModel):
    token: str
    csrf_token: str
    expires_at: float
    agent: dict[str, Any]
    # What the session needs before it may do more than enrol, verify or log out:
    # passed (nothing), verify (a code from the agent's app) or enrol (set up the app).
    second_factor: Literal["passed", "verify", "enrol"] = "passed"


class AgentReply(_Request):
    text: str = Field(..., min_length=1, max_length=4000, pattern=NO_NUL)


class Transfer(_Request):
    to: str = Field(..., max_length=64, pattern=NO_NUL,
                    description="the username of the receiving agent")


class Close(_Request):
    resolution: str = Field(..., min_length=1, max_length=2000, pattern=NO_NUL)


class Typing(_Request):
    active: bool = Field(True, description="false when the person stopped or sent")
