"""A trader's own money on its way is routine, however much of it: found by the 0.11.12
product trial ("my withdrawal of 2 ETH hasn't arrived" was a P1 takeover in four
languages, and answered with the bank-transfer article in three)."""

from __future__ import annotations

import pytest

from bot.config import SafetySettings
from bot.nlu.faq_index import names_fiat
from bot.nlu.incidents import awaited_own_transfer
from bot.nlu.understanding import AWAITED_TRANSFER

SAFETY = SafetySettings()


@pytest.mark.parametrize("text", [
    "my withdrawal of 2 ETH hasn't arrived",
    "my withdrawal of 2 ETH is not here yet",
    "我提现的2 ETH还没到账",
    "Мой вывод 2 ETH не пришёл",
    "2 ETH 출금이 아직 도착하지 않았어요",
    "retrait de 1200 USDT marqué 'terminé' mais mon wallet a rien reçu",
])
def test_a_withdrawal_that_has_not_arrived_is_not_an_incident(shipped_nlu, text):
    understood = shipped_nlu.parse(text)
    assert understood.urgency != "P1", (understood.incident_score, understood.flags)
    assert understood.intent == "withdrawal_delay"


@pytest.mark.parametrize("text", [
    "there's a pending withdrawal I didn't request",
    "a withdrawal of 2 ETH just went out to an address I don't know",
    "withdrawal not received, the address was changed without my permission",
    "someone withdrew my 2 ETH, it never arrived in my wallet",
    "вывод на незнакомый адрес, я ничего не выводил",
    "提现记录里有一笔不认识的地址",
])
def test_a_withdrawal_someone_else_made_stays_p1(shipped_nlu, text):
    understood = shipped_nlu.parse(text)
    assert understood.urgency == "P1", (understood.incident_score, understood.intent)
    assert AWAITED_TRANSFER not in understood.flags


def test_the_guard_reads_who_moved_the_money_not_only_that_it_is_missing():
    awaited = "my withdrawal of 2 ETH hasn't arrived"
    assert awaited_own_transfer(awaited, "withdrawal_delay", 0.99, 0.5, SAFETY)
    # Someone else's hand, or the detector sure of it, or the intent model unsure: kept.
    assert not awaited_own_transfer(awaited + ", I didn't make it", "withdrawal_delay",
                                    0.99, 0.5, SAFETY)
    assert not awaited_own_transfer(awaited + " to an unknown address", "withdrawal_delay",
                                    0.99, 0.5, SAFETY)
    # A drained balance beside it is not set aside either: whether "my withdrawal hasn't
    # arrived and my balance is zero" pages is the detector's call at its cut (0.402 with
    # round 48's model, 0.392 with round 50's: the sentence also fits a trader who
    # withdrew everything), never the guard's.
    assert not awaited_own_transfer("my withdrawal hasn't arrived and my balance is zero",
                                    "withdrawal_delay", 0.99, 0.39, SAFETY)
    assert not awaited_own_transfer(awaited, "withdrawal_delay", 0.99, 0.9, SAFETY)
    assert not awaited_own_transfer(awaited, "withdrawal_delay", 0.5, 0.5, SAFETY)
    assert not awaited_own_transfer(awaited, "account_hacked", 0.99, 0.5, SAFETY)
    # A "was me" the next words deny is someone else's hand too (0.11.22).
    for own, denied in (("2 ETH 출금이 아직 안 들어왔어요", "이 출금 제가 한 거 아니에요"),
                        ("提币2个ETH还没到账", "我自己从来没提过")):
        assert awaited_own_transfer(own, "withdrawal_delay", 0.99, 0.5, SAFETY)
        assert not awaited_own_transfer(f"{own}. {denied}", "withdrawal_delay", 0.99, 0.5,
                                        SAFETY)
    # Not arriving is what it is about: a pending withdrawal alone says nothing of whose.
    assert not awaited_own_transfer("there's a pending withdrawal of 2 ETH",
                                    "withdrawal_delay", 0.99, 0.5, SAFETY)


@pytest.mark.parametrize("text", [
    "my withdrawal hasn't arrived", "Lệnh rút 2 ETH của tôi chưa về", "我的提幣還沒到帳",
])
def test_a_coin_withdrawal_gets_an_on_chain_article_not_the_bank_one(shipped_nlu, text):
    assert not names_fiat(text)
    understood = shipped_nlu.parse(text)
    assert understood.faq_hits and understood.faq_hits[0].entry_id != (
        "withdrawal_fiat_bank_processing")


@pytest.mark.parametrize("text", [
    "withdrew EUR to my bank but nothing arrived", "rút tiền về ngân hàng 3 ngày rồi chưa có",
    "美元提領到銀行怎麼這麼久",
])
def test_a_bank_withdrawal_still_gets_the_bank_article(shipped_nlu, text):
    assert names_fiat(text)
    understood = shipped_nlu.parse(text)
    assert understood.faq_hits[0].entry_id == "withdrawal_fiat_bank_processing"


@pytest.mark.parametrize("text", [
    "how long does KYC take", "Combien de temps prend la vérification d'identité ?",
    "身分驗證要多久", "Wie lange dauert die KYC-Verifizierung?",
])
def test_how_long_verification_takes_has_its_own_answer(shipped_nlu, text):
    understood = shipped_nlu.parse(text)
    assert understood.intent == "kyc_verification"
    assert understood.faq_hits[0].entry_id == "kyc_review_time"


# The 0.11.13 adversarial trial: an account being emptied, told without "hacked", was
# out of scope at P4; round 33 (blind-helper messages of these shapes) taught the detector.
@pytest.mark.parametrize("text", [
    "my account is getting drained as we speak",
    "lol my account is getting drained as we speak, anybody there?",
    "drained",
    "acc\u200bount hac\u200bked, fu\u200bnds sto\u200blen",  # zero-width spaces inside words
])
def test_an_account_being_emptied_is_p1_however_told(shipped_nlu, text):
    understood = shipped_nlu.parse(text)
    assert understood.urgency == "P1", (understood.intent, understood.incident_score)


def test_a_large_withdrawal_not_there_yet_is_routine(shipped_nlu):
    understood = shipped_nlu.parse("I made a withdrawal of 1000 USDT and it's not there yet")
    assert understood.urgency != "P1" and understood.intent == "withdrawal_delay"
