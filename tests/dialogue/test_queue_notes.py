"""While a case waits for an agent the bot says that a message reached the case and where
the trader stands, spaced so that a burst of details is not answered line by line; an
incident told while waiting is answered at once. With an agent the bot stays quiet."""

from __future__ import annotations

from dataclasses import replace

from bot.config import PolicySettings
from bot.dialogue import state as st
from bot.dialogue.policy import decide
from bot.dialogue.state import DialogueState
from bot.nlu.understanding import IntentScore, Understanding

SETTINGS = PolicySettings(queued_note_seconds=120)


def understanding(text: str, intent: str, urgency: str = "P3") -> Understanding:
    return Understanding(text, "en", 0.99, None, intent, 0.9,
                         (IntentScore(intent, 0.9),), (), (), urgency,  # type: ignore[arg-type]
                         ())


def names(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.name for a in decision.actions]


def test_the_first_message_after_the_handoff_is_noted_then_a_burst_stays_quiet():
    handed = decide(understanding("I want a human", "request_human"),
                    DialogueState(queue_note_at=990.0), st.BOT, SETTINGS, now=1000.0)
    assert "handoff" in names(handed) and handed.dialogue.queue_note_at is None

    first = decide(understanding("how much longer??", "out_of_scope", "P4"),
                   handed.dialogue, st.QUEUED, SETTINGS, now=1010.0)
    assert names(first) == ["queued_note", "forward_to_agent"]
    assert first.actions[0].params == {"urgent": False}
    assert first.dialogue.queue_note_at == 1010.0

    burst = first.dialogue
    for second, text in ((1020.0, "my uid is 12345678"), (1100.0, "please hurry")):
        turn = decide(understanding(text, "out_of_scope", "P4"), burst, st.QUEUED, SETTINGS,
                      now=second)
        assert names(turn) == ["forward_to_agent"], text
        burst = turn.dialogue
    assert burst.queue_note_at == 1010.0

    later = decide(understanding("the amount was 300 usdt", "withdrawal_delay"), burst,
                   st.QUEUED, SETTINGS, now=1131.0)
    assert names(later) == ["queued_note", "forward_to_agent"]
    assert later.dialogue.queue_note_at == 1131.0


def test_a_question_or_a_hello_while_waiting_is_always_answered():
    waiting = DialogueState(queue_note_at=1000.0)
    for text, intent in (("hello??", "greet"), ("how much longer?", "out_of_scope"),
                         ("还要等多久？", "out_of_scope"), ("are you a bot", "bot_challenge")):
        turn = decide(understanding(text, intent, "P4"), waiting, st.QUEUED, SETTINGS,
                      now=1005.0)
        assert names(turn) == ["queued_note", "forward_to_agent"], text


def test_status_questions_and_incidents_are_answered_whenever_they_come():
    waiting = DialogueState(queue_note_at=1000.0)
    status = decide(understanding("any update on my case?", "ticket_status"), waiting,
                    st.QUEUED, SETTINGS, now=1001.0)
    assert names(status) == ["ticket_status", "forward_to_agent"]

    drained = decide(understanding("they are withdrawing my btc right now", "account_hacked",
                                   "P1"), waiting, st.QUEUED, SETTINGS, now=1002.0)
    assert names(drained) == ["escalate", "queued_note", "forward_to_agent"]
    assert drained.actions[1].params == {"urgent": True}


def test_with_an_agent_nothing_is_said_and_without_a_clock_every_message_is_noted():
    assert names(decide(understanding("thanks", "thanks", "P4"), DialogueState(),
                        st.WITH_AGENT, SETTINGS, now=5000.0)) == ["forward_to_agent"]
    noted = decide(understanding("still there?", "out_of_scope", "P4"),
                   DialogueState(queue_note_at=1000.0), st.QUEUED, SETTINGS)
    assert names(noted) == ["queued_note", "forward_to_agent"]
    # A pasted secret gets its warning, not the note on top.
    secret = replace(understanding("[REDACTED:password]", "out_of_scope", "P1"),
                     secrets=("password",))
    assert names(decide(secret, DialogueState(), st.QUEUED, SETTINGS, now=1.0)) == [
        "utter", "escalate", "forward_to_agent"]
