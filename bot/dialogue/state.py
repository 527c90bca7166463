"""What the bot remembers between turns of one conversation (stored as JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Conversation states (contract: the API returns them).
BOT, QUEUED, WITH_AGENT, CLOSED = "bot", "queued", "with_agent", "closed"

# Dialogue stages: what the bot's last message was waiting for.
IDLE = "idle"
AWAITING_RESOLUTION = "awaiting_resolution"  # answered from the FAQ, asked "did this solve it?"
AWAITING_CLARIFICATION = "awaiting_clarification"  # offered two intents
COLLECTING_DETAILS = "collecting_details"  # asked for UID/TXID… before handing over
OFFERED_HUMAN = "offered_human"  # asked "shall I pass you to a human?"
AWAITING_CSAT = "awaiting_csat"  # closed, asked for a 1-5 score


@dataclass
class DialogueState:
    stage: str = IDLE
    intent: str | None = None
    urgency: str = "P4"
    answered: list[str] = field(default_factory=list)  # FAQ entries already sent
    candidates: list[str] = field(default_factory=list)  # next-best entries to try
    denials: int = 0
    low_confidence_streak: int = 0
    clarify_options: list[str] = field(default_factory=list)
    pending_reason: str | None = None  # the handoff waiting for details
    missing_details: list[str] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)  # everything found so far
    confidence_trail: list[dict[str, Any]] = field(default_factory=list)
    last_question: str | None = None  # redacted; re-read when the user picks a clarification
    # The declared incident (bot.incidents) a message of this conversation was about: its
    # case joins the incident's group on the desk.
    incident_id: int | None = None
    # When the bot last spoke about the waiting case (a status, a waiting note; None
    # since the handoff): spaces the notes to a trader who keeps writing while queued.
    queue_note_at: float | None = None
    # The last reply asked whether a withheld 64-hex value was a TXID or a private key.
    asked_unclear_value: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DialogueState:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
