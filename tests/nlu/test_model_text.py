"""The intent model reads a message without its long identifiers (bot/nlu/model_text.py):
a TXID or an address must not change what the message is understood to want, while the
incident detector still reads the whole text and the entity extractor still finds the
identifier for the agent."""

from __future__ import annotations

import pytest

from bot.nlu.model_text import model_text, without_identifiers

TXID = "8a41c07be2d95f3306e1b7c4d2a98f5e0b6c3d7a19e4f2b85c0d6e3a7f1b9c24"
EVM = "0x4b7dE2a91c03F5e86B1d7a4C29e0f3B58d6A1c97"
TRON = "TKq7mP3xWv9RbN2cLd8Hs5Gf4Zt6Yj1UaE"
ORDER = "7730419826"


@pytest.mark.parametrize("text, expected", [
    (f"withdrawal stuck, txid {TXID}", "withdrawal stuck, txid"),
    (f"sent 250 USDT to {EVM} yesterday", "sent 250 USDT to yesterday"),
    (f"retiro a {TRON} pendiente", "retiro a pendiente"),
    (f"ордер №{ORDER} отменился сам", "ордер № отменился сам"),
    ("ticket #48213 any update? 1500 USDT TRC20", "ticket #48213 any update? 1500 USDT TRC20"),
    (TXID, TXID),  # nothing but an identifier: the models still read something
])
def test_long_identifiers_are_left_out_and_the_rest_is_kept(text, expected):
    assert without_identifiers(text) == expected


def test_traditional_chinese_is_read_as_simplified_and_without_identifiers():
    assert model_text(f"提領一直在處理中 {TXID}") == model_text("提領一直在處理中")


@pytest.mark.parametrize("text", [
    "I did not make this withdrawal, my account was hacked, txid {}",
    "em khong rut khoan nay, tk bi hack roi, txid {}",
    "no hice este retiro, me hackearon la cuenta. hash: {}",
])
def test_an_identifier_does_not_change_the_reading(shipped_nlu, text):
    with_hash, without = shipped_nlu.parse(text.format(TXID)), shipped_nlu.parse(
        without_identifiers(text.format(TXID)))
    assert with_hash.ranking == without.ranking  # the intent model read the same text
    assert with_hash.urgency == without.urgency == "P1"
    assert any(entity.text == TXID for entity in with_hash.entities)
