"""What the intent model and the FAQ index read of a message: one script for Chinese,
and no long identifiers.

A TXID, a wallet address or a 10-digit order number says nothing about what the trader
wants, but to the character n-gram block it is dozens of random grams that, after l2
normalisation, drown the words around them (a withdrawal report holding an address came
out out-of-scope at 0.4), and the sentence encoder splits it into many sub-word pieces.
So the intent classifier and the FAQ index read the text without them, at training and
at parse time alike. The incident detector still reads the whole text (taught on
identifier-free text, it learnt "txid" alone as a routine cue), and so do the entity
extractor and the triage rules: the identifiers reach the agent's packet.
"""

from __future__ import annotations

import re

from bot.nlu.chinese_script import one_script

# Part of the model fingerprint: a change here retrains the models.
MODEL_TEXT_VERSION = 2

_IDENTIFIERS = re.compile(
    r"\b0x[0-9a-fA-F]{8,}\b"  # EVM addresses and hashes
    r"|\b[0-9a-fA-F]{16,}\b"  # TXIDs and other hex hashes
    # base58 / bech32 addresses (TRON, Bitcoin, Solana): long tokens mixing letters, digits
    r"|\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{20,}\b"
    r"|\b\d{8,}\b"  # order, withdrawal and ticket numbers
)
_SPACES = re.compile(r"[ \t]{2,}")
# A number standing alone ("0.5", "2,300", "15.000"), not part of a word or identifier.
_AMOUNT_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w]|[.,]\d)")


def without_identifiers(text: str) -> str:
    """The text with long identifiers taken out. A message that is nothing but
    identifiers stays as it is: the models must still read something."""
    if not _IDENTIFIERS.search(text):
        return text
    stripped = _SPACES.sub(" ", _IDENTIFIERS.sub(" ", text)).strip()
    return stripped if any(char.isalpha() for char in stripped) else text


def model_text(text: str) -> str:
    """A training text or question variant as the models read it (see `one_script`)."""
    return without_identifiers(one_script(text))


def incident_text(text: str) -> str:
    """What the incident detector reads: the whole text (identifiers included), in one
    script, without the numbers of amounts. Who made a withdrawal does not depend on its
    size, but the detector learnt it did: "my withdrawal of 0.5 BTC has been pending
    since yesterday" scored 0.64 (cut 0.38) and "… of BTC …" 0.12, because takeover
    reports state their amounts more often than routine messages do (the sentence
    encoder's nearest examples for "0.5 BTC" were takeovers). The triage still reads the
    amount for urgency (rule 4)."""
    stripped = _SPACES.sub(" ", _AMOUNT_NUMBER.sub(" ", text)).strip()
    return stripped if any(char.isalpha() for char in stripped) else text

