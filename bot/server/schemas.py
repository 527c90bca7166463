"""Request and response bodies of the HTTP API (they document /openapi.json)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["bot", "queued", "with_agent", "closed"]


class OpenConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["api", "web"] = "api"
    user: str | None = Field(None, max_length=128, description="who the user is, for agents")
    locale: str | None = Field(None, max_length=35, description="e.g. browser language zh-TW")


class QuickReply(BaseModel):
    title: str
    payload: str


class Message(BaseModel):
    id: int
    author: Literal["user", "bot", "agent", "system"]
    author_name: str | None = None
    text: str
    kind: str
    quick_replies: list[QuickReply] = []
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


class UserMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., description="the user's message (redacted before storage)")
    client_message_id: str | None = Field(
        None, max_length=80, description="makes a retry idempotent: same id → same replies")
    locale: str | None = Field(None, max_length=35)


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


class Csat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(..., ge=1, le=5)


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(..., max_length=64)
    password: str = Field(..., max_length=256)


class LoginOut(BaseModel):
    token: str
    csrf_token: str
    expires_at: float
    agent: dict[str, Any]


class AgentReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=4000)


class Transfer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(..., description="the username of the receiving agent")


class Close(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: str = Field(..., min_length=1, max_length=2000)
