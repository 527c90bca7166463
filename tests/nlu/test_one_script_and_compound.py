"""Chinese read in one script, and a request for a person inside a longer message.

The sentences here are written for these tests (Taiwan wording on the Traditional side),
not taken from nlu_data/ or the held-out sets.
"""

from __future__ import annotations

import pytest

from bot.dialogue.policy import decide
from bot.dialogue.state import DialogueState
from bot.nlu.chinese_script import mainland_simplified, one_script
from bot.nlu.cue_words import compile_cues
from bot.nlu.triage import WANTS_HUMAN

# (Simplified, Traditional with Taiwan words) — the same question.
PAIRS = [
    ("我的提现一直在处理中，怎么办", "我的提領一直在處理中，怎麼辦"),
    ("充值到现在还没到账", "入金到現在還沒入帳"),
    ("账号被别人登录了，余额全没了", "帳號被別人登入了，餘額全沒了"),
    ("怎么开启谷歌验证", "怎麼開啟Google驗證"),
]


def test_traditional_text_is_read_with_mainland_words():
    assert mainland_simplified("提領一直在處理中") == "提现一直在处理中"
    assert mainland_simplified("我的帳號無法登入") == "我的账号无法登录"
    # Simplified, Japanese and Latin text pass through unchanged.
    for text in ("提币一直在处理中", "出金が反映されません", "本人確認はいつ終わる", "hello"):
        assert one_script(text) == text


def test_a_chinese_cue_matches_the_converted_form_of_a_traditional_message():
    pattern = compile_cues(["轉帳", "登入"])
    assert pattern.search(mainland_simplified("有人幫我轉帳"))
    assert pattern.search(mainland_simplified("我沒有登入過"))


@pytest.mark.parametrize(("simplified", "traditional"), PAIRS)
def test_both_scripts_get_the_same_intent_and_answer(shipped_nlu, simplified, traditional):
    hans, hant = shipped_nlu.parse(simplified), shipped_nlu.parse(traditional)
    assert hant.script == "Hant" and hans.script == "Hans"
    assert hant.intent == hans.intent
    assert hant.urgency == hans.urgency
    if hans.faq_hits:
        assert hant.faq_hits[0].entry_id == hans.faq_hits[0].entry_id
    # What is stored and shown stays in the user's script.
    assert hant.text == traditional


@pytest.mark.parametrize("text", [
    "my futures position got liquidated at a price that never traded, let me talk to a human",
    "合约被强平了，价格根本不对，转人工",
    "ロスカットされたけど納得できない。オペレーターにつないでください",
    "me liquidaron la posición sin motivo, quiero hablar con una persona",
    "ich wurde liquidiert, obwohl der Preis nie da war. Ich will mit einem Mitarbeiter sprechen",
    "меня ликвидировали по странной цене, дайте живого человека",
])
def test_a_request_for_a_person_inside_a_longer_message_hands_off(shipped_nlu, settings, text):
    understanding = shipped_nlu.parse(text)
    assert understanding.has(WANTS_HUMAN), text
    decision = decide(understanding, DialogueState(), "bot", settings.policy)
    assert [a.name for a in decision.actions if a.name == "handoff"] == ["handoff"], (
        text, decision.rule)


@pytest.mark.parametrize("text", [
    "someone claiming to be a support agent asked me for my seed phrase",
    "how do I contact support?",
    "he is a real estate agent, not a trader",
    "parlare con mio fratello della commissione",
])
def test_words_about_agents_are_not_a_request_for_one(shipped_nlu, text):
    assert not shipped_nlu.parse(text).has(WANTS_HUMAN), text


@pytest.mark.parametrize("text", ["提幣一直在處理中怎麼辦", "提币一直在处理中怎么办",
                                  "USDT提币一直处理中"])
def test_a_stuck_coin_withdrawal_gets_a_crypto_answer_not_the_bank_one(shipped_nlu, text):
    # 提币 is a coin withdrawal; the bank-withdrawal entry (SEPA, wire) is the wrong answer.
    understanding = shipped_nlu.parse(text)
    assert understanding.intent == "withdrawal_delay"
    assert understanding.faq_hits[0].entry_id != "withdrawal_fiat_bank_processing", text
