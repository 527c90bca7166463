"""The answer to "was that long code a TXID or a private key?": a key named then is a
pasted secret (warning, checklist, P1 handoff), whatever the classifier makes of the
sentence; named at any other time it is just words (found by a product trial: the
trader who said "that was my private key, is my wallet safe?" stayed with the bot at P2)."""

from __future__ import annotations

from dataclasses import replace

from bot.config import PolicySettings
from bot.dialogue import state as st
from bot.dialogue.policy import decide
from bot.dialogue.state import DialogueState
from bot.nlu.triage import CREDENTIALS_GIVEN_AWAY
from bot.nlu.understanding import NAMES_PRIVATE_KEY, UNCLEAR_VALUE
from tests.dialogue.test_queue_notes import understanding


def test_a_key_named_after_the_question_is_a_p1_secret():
    withheld = replace(understanding("[WITHHELD:unclear_hex]", "out_of_scope", "P4"),
                       flags=(UNCLEAR_VALUE,))
    asked = decide(withheld, DialogueState(), st.BOT, PolicySettings())
    assert asked.actions[-1].params["key"] == "unclear_value_question"
    assert asked.dialogue.asked_unclear_value is True

    answer = replace(understanding("that was my private key, is my wallet safe?",
                                   "security_settings", "P2"), flags=(NAMES_PRIVATE_KEY,))
    told = decide(answer, asked.dialogue, st.BOT, PolicySettings())
    assert told.rule == "4 secret"
    handoff = next(a for a in told.actions if a.name == "handoff")
    assert handoff.params["urgency"] == "P1" and handoff.params["reason"] == "secret_shared"
    assert told.dialogue.asked_unclear_value is False


def test_a_key_named_without_the_question_is_an_ordinary_message():
    answer = replace(understanding("how do I keep my private key safe?", "security_settings",
                                   "P4"), flags=(NAMES_PRIVATE_KEY,))
    decision = decide(answer, DialogueState(), st.BOT, PolicySettings())
    assert decision.rule != "4 secret"
    assert not any(a.name == "handoff" for a in decision.actions)


def _said(decision):  # type: ignore[no-untyped-def]
    return [a.params["key"] for a in decision.actions if a.name == "utter"]


def test_a_pasted_2fa_code_gets_its_own_warning_and_no_checklist():
    # "move your funds to a new wallet" frightened a trader whose code did not work
    # (0.11.12 trial); a code expires in seconds, a seed phrase does not.
    code = replace(understanding("2fa code [REDACTED:otp_code] not working", "reset_2fa", "P1"),
                   secrets=("otp_code",))
    told = decide(code, DialogueState(), st.BOT, PolicySettings())
    assert told.rule == "4 secret" and _said(told) == ["secret_warning_code"]
    assert next(a for a in told.actions if a.name == "handoff").params["urgency"] == "P1"
    seed = replace(code, secrets=("otp_code", "seed_phrase"))
    told = decide(seed, DialogueState(), st.BOT, PolicySettings())
    assert _said(told) == ["secret_warning", "security_checklist"]


def test_a_code_handed_to_someone_gets_the_full_warning_and_checklist():
    # The code review of 0.11.12: "I gave my authenticator code 482913 to a guy on
    # telegram" was told "no danger here".
    given = replace(understanding("I gave my code [REDACTED:otp_code] to 'support'",
                                  "phishing_scam", "P1"),
                    secrets=("otp_code",), flags=(CREDENTIALS_GIVEN_AWAY,))
    told = decide(given, DialogueState(), st.BOT, PolicySettings())
    assert _said(told) == ["secret_warning", "security_checklist"]
