"""A trader who asks to be locked out of trading ("lock my futures for 30 days, I keep
revenge trading") is handed to a person, who sets the lock: not a P1 takeover page, and
not the FAQ article about frozen accounts (blind incident suites 15 and 16)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import PolicySettings
from bot.dialogue import state as st
from bot.dialogue.policy import decide
from bot.dialogue.state import DialogueState
from bot.nlu.triage import SELF_EXCLUSION
from handoff.packet import REASONS
from tests.dialogue.test_queue_notes import understanding


def test_a_self_exclusion_request_hands_off_at_its_own_urgency():
    asked = replace(understanding("lock my futures for 30 days, I keep revenge trading",
                                  "account_locked", "P2"), flags=(SELF_EXCLUSION,))
    decision = decide(asked, DialogueState(), st.BOT, PolicySettings())
    handoffs = [a for a in decision.actions if a.name == "handoff"]
    assert len(handoffs) == 1
    assert handoffs[0].params["reason"] == "self_exclusion"
    assert handoffs[0].params["urgency"] == "P2"
    assert not any(a.name == "answer_faq" for a in decision.actions)
    assert "self-exclusion" in REASONS["self_exclusion"]


def test_the_same_words_without_the_flag_get_the_usual_answer():
    asked = understanding("how long does an account lock last?", "account_locked", "P2")
    decision = decide(asked, DialogueState(), st.BOT, PolicySettings())
    assert not any(a.params.get("reason") == "self_exclusion" for a in decision.actions)


@pytest.mark.parametrize("text", [
    "can you lock my futures for a month? gambling problem",
    "tenho problema com jogo, quero fechar minha conta",
    "帮我把合约关了，玩上头了",
])
def test_a_trading_lock_in_other_words_than_a_freeze_reaches_a_person(shipped_nlu, text):
    # Read by the shipped model end to end: these were out of scope (P4) and got no one
    # until the restriction words (0.11.20).
    understood = shipped_nlu.parse(text)
    assert understood.has(SELF_EXCLUSION), (understood.intent, understood.flags)
    assert understood.urgency == "P2"
    decision = decide(understood, DialogueState(), st.BOT, PolicySettings())
    reasons = [a.params.get("reason") for a in decision.actions if a.name == "handoff"]
    assert reasons == ["self_exclusion"]
