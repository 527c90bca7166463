"""Routing and SLA rules for the queue: pure functions of the values they are given."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import HandoffSettings
from bot.taxonomy import URGENCY_LEVELS, Urgency


def priority_number(urgency: Urgency) -> int:
    return URGENCY_LEVELS.index(urgency) + 1


def urgency_of(priority: int) -> Urgency:
    return URGENCY_LEVELS[priority - 1]


@dataclass(frozen=True)
class SlaStatus:
    deadline: float
    seconds_left: float
    breached: bool


def sla_status(priority: int, queued_at: float, now: float, settings: HandoffSettings,
               claimed_at: float | None = None) -> SlaStatus:
    deadline = queued_at + settings.sla_minutes[urgency_of(priority)] * 60
    reference = claimed_at if claimed_at is not None else now
    return SlaStatus(deadline, deadline - now, reference > deadline)


def offered_to(agent_languages: tuple[str, ...], lang: str, queued_at: float, now: float,
               settings: HandoffSettings) -> bool:
    """Language-matched agents see it at once; everyone after the fallback wait."""
    return lang in agent_languages or now - queued_at >= settings.language_fallback_seconds


def expected_wait_minutes(position: int, agents_online: int, settings: HandoffSettings) -> int:
    per_slot = settings.minutes_per_conversation / max(1, agents_online)
    return max(1, round(position * per_slot))
