"""Who may read a case: a pure rule, applied by every agent endpoint that shows a
transcript, a packet, suggestions or a file.

Transcripts hold traders' personal data, so an agent reads only what is theirs to work
on: a queued case once it is offered to them (their language at once, anyone's after
the fallback wait, the same rule as claiming), a claimed or closed case only if they
hold or held it. Supervisors read every case.
"""

from __future__ import annotations

from bot.config import HandoffSettings
from handoff.routing import offered_to

AGENT, SUPERVISOR = "agent", "supervisor"
ROLES = (AGENT, SUPERVISOR)


def may_read(*, role: str, agent_id: int, languages: tuple[str, ...], status: str,
             holder_id: int | None, lang: str, queued_at: float, now: float,
             settings: HandoffSettings) -> bool:
    if role == SUPERVISOR:
        return True
    if status == "queued":
        return offered_to(languages, lang, queued_at, now, settings)
    return holder_id == agent_id
