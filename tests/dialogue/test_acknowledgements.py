"""A "yes" / "ok" / "no" that answers nothing the bot asked: a first "ok" is greeted, a
later one acknowledged; nobody is told "you're welcome" who did not thank."""

from __future__ import annotations

from bot.config import PolicySettings
from bot.dialogue import state as st
from bot.dialogue.policy import decide
from bot.dialogue.state import DialogueState
from tests.dialogue.test_queue_notes import understanding


def said(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.params.get("key", a.name) for a in decision.actions]


def test_a_first_ok_is_greeted_a_later_one_acknowledged():
    first = decide(understanding("ok", "affirm", "P4"), DialogueState(), st.BOT,
                   PolicySettings())
    assert said(first) == ["greet"]
    later = decide(understanding("yes", "affirm", "P4"), first.dialogue, st.BOT,
                   PolicySettings())
    assert said(later) == ["ack_reply"]
    thanked = decide(understanding("thanks!", "thanks", "P4"), later.dialogue, st.BOT,
                     PolicySettings())
    assert said(thanked) == ["thanks_reply"]


def test_no_to_the_offer_of_a_person_is_acknowledged():
    offered = DialogueState(stage=st.OFFERED_HUMAN,
                            confidence_trail=[{"intent": "out_of_scope"}])
    declined = decide(understanding("no", "deny", "P4"), offered, st.BOT, PolicySettings())
    assert said(declined) == ["ack_reply"] and declined.dialogue.stage == st.IDLE
