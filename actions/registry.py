"""One registry of actions by name; the engine runs what the policy names."""

from __future__ import annotations

from actions.conversation import AnswerFaq, AskDetails, AskResolved, Clarify, MarkResolved, Utter
from actions.handoff import (
    Escalate,
    ForwardToAgent,
    Handoff,
    QueuedNote,
    StoreCsat,
    TicketStatus,
)
from actions.incident import IncidentBanner
from actions.ops import AskFreezeConfirmation, OfferFreeze, PageOnCall, RequestFreeze
from actions.sdk import Action

ACTIONS: dict[str, Action] = {
    action.name(): action
    for action in (Utter(), AnswerFaq(), AskResolved(), Clarify(), AskDetails(), MarkResolved(),
                   Handoff(), Escalate(), ForwardToAgent(), TicketStatus(), QueuedNote(),
                   StoreCsat(), PageOnCall(), OfferFreeze(), AskFreezeConfirmation(),
                   RequestFreeze(), IncidentBanner())
}
