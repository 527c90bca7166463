"""The pure rules of bot/dialogue/takeover.py: when to page, when to offer the freeze, and
what each freeze button does for whom."""

from __future__ import annotations

import pytest

from bot.dialogue import state as st
from bot.dialogue.policy import Action, Decision
from bot.dialogue.state import DialogueState
from bot.dialogue.takeover import CONFIRMING_FREEZE, amend


def _handoff(urgency: str, reason: str) -> Decision:
    return Decision((Action("utter", {"key": "security_checklist"}),
                     Action("handoff", {"reason": reason, "urgency": urgency,
                                        "ask_details": []})), DialogueState(), "5 P1")


def _names(decision: Decision) -> list[str]:
    return [a.name for a in decision.actions]


def test_a_takeover_p1_of_a_verified_trader_offers_the_freeze_and_checks_paging():
    out = amend(_handoff("P1", "account_takeover"), "someone is in my account",
                DialogueState(), st.BOT, verified=True, freeze_available=True)
    assert _names(out) == ["utter", "handoff", "offer_freeze", "page_on_call"]


@pytest.mark.parametrize(("verified", "available"), [(False, True), (True, False)])
def test_no_offer_without_verification_or_without_the_exchange(verified, available):  # type: ignore[no-untyped-def]
    out = amend(_handoff("P1", "account_takeover"), "x", DialogueState(), st.BOT,
                verified=verified, freeze_available=available)
    assert _names(out) == ["utter", "handoff", "page_on_call"]


def test_a_pasted_secret_pages_but_offers_no_freeze():
    out = amend(_handoff("P1", "secret_shared"), "x", DialogueState(), st.BOT,
                verified=True, freeze_available=True)
    assert _names(out) == ["utter", "handoff", "page_on_call"]


def test_below_p1_nothing_is_added():
    decision = _handoff("P2", "no_answer")
    assert amend(decision, "x", DialogueState(), st.BOT, verified=True,
                 freeze_available=True) == decision


def test_an_escalation_while_queued_goes_before_the_packet_rebuild():
    decision = Decision((Action("escalate", {"urgency": "P1",
                                             "reason": "credentials_given_away"}),
                         Action("forward_to_agent")), DialogueState(), "1 with a human")
    out = amend(decision, "x", DialogueState(), st.QUEUED, verified=True, freeze_available=True)
    assert _names(out) == ["escalate", "offer_freeze", "page_on_call", "forward_to_agent"]


def test_the_buttons_for_a_verified_trader():
    asked = amend(_handoff("P1", "urgent"), "/freeze_withdrawals", DialogueState(), st.QUEUED,
                  verified=True, freeze_available=True)
    assert _names(asked) == ["ask_freeze_confirmation", "forward_to_agent"]
    assert asked.dialogue.stage == CONFIRMING_FREEZE
    yes = amend(_handoff("P1", "urgent"), " /freeze_confirm ", asked.dialogue, st.QUEUED,
                verified=True, freeze_available=True)
    assert _names(yes) == ["request_freeze", "forward_to_agent"] and yes.dialogue.stage == st.IDLE
    # "yes" without the question before it only asks the question.
    bare = amend(_handoff("P1", "urgent"), "/freeze_confirm", DialogueState(), st.BOT,
                 verified=True, freeze_available=True)
    assert _names(bare) == ["ask_freeze_confirmation"]
    no = amend(_handoff("P1", "urgent"), "/freeze_cancel", asked.dialogue, st.BOT,
               verified=True, freeze_available=True)
    assert no.actions == (Action("utter", {"key": "freeze_cancelled"}),)
    assert no.dialogue.stage == st.IDLE


@pytest.mark.parametrize("press", ["/freeze_withdrawals", "/freeze_confirm", "/freeze_cancel"])
def test_every_button_is_refused_to_an_unverified_trader(press):  # type: ignore[no-untyped-def]
    confirming = DialogueState(stage=CONFIRMING_FREEZE)
    out = amend(_handoff("P1", "account_takeover"), press, confirming, st.BOT,
                verified=False, freeze_available=True)
    assert out.actions == (Action("utter", {"key": "freeze_not_available"}),)
