"""The values the understanding step returns: plain, frozen, JSON-ready."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.nlu.entities import Entity
from bot.nlu.faq_index import FaqHit
from bot.nlu.secrets import Carried
from bot.taxonomy import Urgency

# Input flags (the triage adds its own, see bot.nlu.triage).
EMPTY = "empty"
TRUNCATED = "truncated"
NO_TEXT = "no_text"  # emoji, digits or a bare link: nothing to understand
LOW_CONFIDENCE = "low_confidence"
# Unlike every training example (the novelty cut): answered as out of scope.
UNFAMILIAR = "unfamiliar"
# Held back from storage by the secrets scanner (see bot.nlu.secrets): a 64-hex value
# that may be a key or a transaction id (the user is asked), seed words that may go on in
# the next message, or the whole text when the scanner failed.
UNCLEAR_VALUE = "unclear_value"
WITHHELD = "withheld"
SCANNER_FAILED = "scanner_failed"
# The text calls something a private key, not negated: the answer to "was that long code
# a transaction id or a private key?" (bot.dialogue.policy).
NAMES_PRIVATE_KEY = "names_private_key"
# The incident detector flagged it, but it is the trader's own money not yet arrived
# (bot.nlu.incidents.awaited_own_transfer): not an incident.
AWAITED_TRANSFER = "awaited_transfer"
# The incident detector flagged it, but it is about tokens that turned up unasked (dust, a
# scam airdrop) and nothing left the account (bot.nlu.incidents.unasked_tokens_only).
UNASKED_TOKENS = "unasked_tokens"


@dataclass(frozen=True)
class ParseContext:
    """What the conversation already knows; the parse is a pure function of it."""

    previous_lang: str | None = None
    locale_hint: str | None = None
    # Seed words the previous message ended with, still undecided (memory only).
    carried: Carried | None = None


@dataclass(frozen=True)
class IntentScore:
    intent: str
    confidence: float


@dataclass(frozen=True)
class Understanding:
    text: str  # the redacted text: the only form that leaves this step
    lang: str
    lang_confidence: float
    script: str | None
    intent: str
    confidence: float
    ranking: tuple[IntentScore, ...]
    faq_hits: tuple[FaqHit, ...]
    entities: tuple[Entity, ...]
    urgency: Urgency
    flags: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()  # kinds found and redacted, never the values
    threshold: float = 0.0
    latency_ms: float = 0.0
    # The incident detector's verdict, apart from the intent: "takeover", "gave_away" or
    # None, and its P(incident).
    incident: str | None = None
    incident_score: float = 0.0

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lang": self.lang,
            "lang_confidence": self.lang_confidence,
            "script": self.script,
            "intent": self.intent,
            "confidence": self.confidence,
            "ranking": [{"intent": s.intent, "confidence": s.confidence} for s in self.ranking],
            "faq_hits": [hit.as_dict() for hit in self.faq_hits],
            "entities": [entity.as_dict() for entity in self.entities],
            "urgency": self.urgency,
            "flags": list(self.flags),
            "secrets": list(self.secrets),
            "incident": self.incident,
            "incident_score": self.incident_score,
            "latency_ms": self.latency_ms,
        }
