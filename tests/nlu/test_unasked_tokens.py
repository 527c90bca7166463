"""Tokens nobody asked for that turn up in a wallet (dust, scam airdrops) are no takeover:
holdout22 paged P1 for six of them in six languages (0.11.23)."""

from __future__ import annotations

import pytest

from bot.config import SafetySettings
from bot.nlu.incidents import unasked_tokens_only
from bot.nlu.understanding import UNASKED_TOKENS

SAFETY = SafetySettings()


@pytest.mark.parametrize("text", [
    "weird tokens called FREE-ETH-CLAIM just showed up in my wallet, was I hacked?",
    "apareceu um token estranho na minha carteira, tipo 'CLAIM-USDT.com', fui hackeado??",
    "на кошелёк пришли какие-то непонятные токены с сайтом в названии. меня взломали??",
    "钱包里多了一堆不认识的币，是不是被黑了？",
    "모르는 토큰이 지갑에 들어와 있는데 해킹인가요?",
])
def test_tokens_that_turned_up_are_not_a_takeover(shipped_nlu, text):
    assert unasked_tokens_only(text, 0.6, SAFETY)
    understood = shipped_nlu.parse(text)
    assert understood.urgency != "P1", (understood.incident_score, understood.flags)


@pytest.mark.parametrize("text", [
    "weird tokens showed up in my wallet and my USDT is gone",
    "strange tokens appeared and someone withdrew 2 ETH",
    "unknown tokens appeared, and there is a login from a device I don't know",
    "钱包里多了不认识的币，我的USDT没了",
    "모르는 토큰이 들어왔고 제 비트코인은 사라졌어요",
])
def test_tokens_beside_anything_that_left_the_account_keep_the_page(shipped_nlu, text):
    assert not unasked_tokens_only(text, 0.6, SAFETY)
    understood = shipped_nlu.parse(text)
    assert understood.urgency == "P1", (understood.incident_score, understood.flags)
    assert UNASKED_TOKENS not in understood.flags


@pytest.mark.parametrize("text", [
    # holdout23 (0.11.24): the rest of the balance said to be there, and "was it a theft?",
    # hold balance and theft words that do not say anything left.
    "Apareceu um monte de moedinha estranha na minha carteira. Fui hackeado? O resto do "
    "saldo tá tudo lá",
    "钱包里莫名多了一堆不认识的币，是不是被盗了？其他币都还在没少",
    "知らないトークンがウォレットに入ってた。ハッキングされた？他の残高は減ってない",
    "ví em tự nhiên có mấy token lạ, có bị hack ko, tiền khác vẫn còn nguyên",
])
def test_tokens_beside_a_balance_said_to_be_intact_are_unasked_tokens(text):
    assert unasked_tokens_only(text, 0.6, SAFETY)


def test_an_intact_rest_beside_money_that_left_keeps_the_page():
    assert not unasked_tokens_only(
        "unknown tokens appeared, the rest of my balance is fine but 2 ETH were withdrawn",
        0.6, SAFETY)
    assert not unasked_tokens_only("钱包里多了不认识的币，其他币都还在，但是USDT被转走了",
                                   0.6, SAFETY)


def test_the_guard_needs_a_token_an_arrival_and_an_unsure_detector():
    text = "unknown tokens appeared in my wallet, hacked?"
    assert unasked_tokens_only(text, 0.6, SAFETY)
    assert not unasked_tokens_only(text, 0.9, SAFETY)  # the detector is sure: kept
    assert not unasked_tokens_only("unknown tokens in my wallet, hacked?", 0.6, SAFETY)
    assert not unasked_tokens_only("something appeared in my wallet, hacked?", 0.6, SAFETY)


def test_the_trader_is_told_what_not_to_touch_and_offered_a_person(shipped_nlu):
    from bot.config import PolicySettings
    from bot.dialogue import state as st
    from bot.dialogue.policy import decide
    from bot.dialogue.state import DialogueState

    understood = shipped_nlu.parse("钱包里多了一堆不认识的币，是不是被黑了？能卖吗")
    decision = decide(understood, DialogueState(), st.BOT, PolicySettings())
    said = [(action.name, action.params) for action in decision.actions]
    assert said == [("utter", {"key": "unasked_tokens", "quick_replies": ["human"]})]
    assert not any(action.name in ("answer_faq", "handoff") for action in decision.actions)


@pytest.mark.parametrize("text", [
    # holdout25 (0.11.25): "nothing is missing", "did someone get into my account?", "es
    # fehlt nichts", "빠져나간 건 하나도 없고", "沒少", "ko có gì bị rút" beside tokens that
    # turned up ("plötzlich", "届いてた", "토큰이 떴어요").
    "there are random tokens in my spot wallet, did someone get into my account? nothing "
    "is missing though",
    "Plötzlich ein Token namens FREE-BONUS im Wallet. Es fehlt nichts, oder?",
    "変なトークンが届いてた。他の残高はそのまま",
    "처음 보는 토큰이 떴어요. 빠져나간 건 하나도 없어요",
    "ví tự nhiên xuất hiện token lạ, ko có gì bị rút hết",
])
def test_holdout25_tokens_beside_nothing_missing_are_unasked_tokens(text):
    assert unasked_tokens_only(text, 0.6, SAFETY)


def test_a_notice_that_popped_up_is_no_token_that_arrived():
    # "떴" alone is any notice that popped up ("에어드랍 이벤트 떴어요"), not a token in the wallet.
    assert not unasked_tokens_only("앱에 에어드랍 이벤트 알림이 떴는데 공식이에요?", 0.6, SAFETY)
