"""Entities in support messages with spaCy rules: hashes, addresses, IDs, amounts, networks.

We use spacy.blank("xx") with our own tokenizer: CJK text has no spaces, so "提现0xab..没到"
must still split into the hash and the words around it. A spaCy Matcher then finds the
entities; no statistical model is needed, so nothing is downloaded.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.base58 import decode_check


def _import_spacy() -> Any:
    """spaCy, without letting thinc import torch as a backend we never use.

    thinc imports torch whenever it is installed; for rule-based pipelines that is ~200 MB
    of memory for nothing. Unless something already loaded torch (the sentence-transformers
    embedder), hide it for the duration of this import only.
    """
    if "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` now fails fast
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


spacy = _import_spacy()
from spacy.matcher import Matcher  # noqa: E402
from spacy.tokens import Doc, Span  # noqa: E402
from spacy.util import filter_spans  # noqa: E402

_RESOURCES = Path(__file__).parent / "resources"

_TOKEN = re.compile(
    r"""
    \[REDACTED:\w+\]                          # a redaction marker stays one token
    | [A-Za-z0-9.+_-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+  # e-mail (ASCII: 账号a@b.com没)
    | https?://\S+                            # link
    | 0x[0-9a-fA-F]+                          # hex: hashes and EVM addresses
    | [A-Za-z0-9]{20,}                        # long base58/bech32/alnum: addresses, txids
    | \#?[A-Za-z]+[-_]?\d[A-Za-z0-9_-]*       # ids such as ORD-123456, T48213
    | \#?\d+(?:[.,]\d+)*                      # numbers, "#48213"
    | [\uac00-\ud7af]+                        # Hangul words (Korean uses spaces)
    | [\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]  # Kana and Han: one character a token
    | [^\W\d_\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]+  # other letters, not CJK:
                                              # "USDT没到账" is USDT + 没 + 到 + 账
    | \S                                      # anything else, one character
    """,
    re.VERBOSE,
)

_TX_HASH = r"^(0x)?[0-9a-fA-F]{64}$"
_EVM_ADDRESS = r"^0x[0-9a-fA-F]{40}$"
_BTC_BECH32 = r"^(bc1|tb1)[ac-hj-np-z02-9]{11,71}$"
_BTC_LEGACY = r"^[13][1-9A-HJ-NP-Za-km-z]{25,34}$"
_TRON = r"^T[1-9A-HJ-NP-Za-km-z]{33}$"
_ID_VALUE = r"^#?[A-Za-z]{0,6}[-_]?\d{4,20}[A-Za-z0-9-]*$"
_NUMBER = r"^\d+(?:[.,]\d+)*$"
# Thousands and millions as traders write them: "40k", "40к" / "40 тыс" (ru), "2万" (zh/ja),
# "4만" (ko), "40 mil" (es/pt), "1 Mio" (de).
_MULTIPLIERS = {"k": 1_000.0, "K": 1_000.0, "千": 1_000.0, "万": 10_000.0, "萬": 10_000.0,
                "m": 1_000_000.0, "M": 1_000_000.0, "к": 1_000.0, "К": 1_000.0,
                "тыс": 1_000.0, "млн": 1_000_000.0, "천": 1_000.0, "만": 10_000.0,
                "mil": 1_000.0, "Mio": 1_000_000.0}


@dataclass(frozen=True)
class Entity:
    label: str
    text: str
    start: int
    end: int
    value: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "text": self.text,
                                "start": self.start, "end": self.end}
        if self.value:
            data["value"] = self.value
        return data


class ScriptAwareTokenizer:
    """Splits at script boundaries so entity rules work the same in every language."""

    def __init__(self, vocab: Any):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words, spaces = [], []
        for match in _TOKEN.finditer(text):
            words.append(match.group(0))
            end = match.end()
            spaces.append(end < len(text) and text[end].isspace())
        doc = Doc(self.vocab, words=words, spaces=spaces)
        return doc


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, list[str]]:
    # BaseLoader: every word stays a string ("yes", "no", "on" are not booleans).
    raw = yaml.load((_RESOURCES / "entity_vocabulary.yml").read_text(encoding="utf-8"),
                    Loader=yaml.BaseLoader)
    return {key: [str(item) for item in value] for key, value in raw.items()}


_NAME_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)?")


@lru_cache(maxsize=1)
def _coin_and_network_names() -> frozenset[str]:
    vocab = _vocabulary()
    return frozenset(name.lower() for key in ("assets", "usdt_aliases", "networks")
                     for name in vocab[key])


def names_only(text: str) -> bool:
    """The message holds coin or network names (and numbers, punctuation) and nothing
    else: "USDT", "eth trc20??", "500 USDT". Such a message says nothing about what
    happened."""
    words = _NAME_WORD.findall(text.lower())
    names = _coin_and_network_names()
    return bool(words) and all(word in names or word.isdigit() for word in words)


class EntityExtractor:
    def __init__(self) -> None:
        self.nlp = spacy.blank("xx")
        self.nlp.tokenizer = ScriptAwareTokenizer(self.nlp.vocab)
        self.matcher = Matcher(self.nlp.vocab)
        vocab = _vocabulary()
        self._assets = {a.upper() for a in vocab["assets"]}
        self._usdt_aliases = set(vocab["usdt_aliases"])
        self._add_patterns(vocab)

    def _context(self, words: list[str]) -> list[list[dict[str, Any]]]:
        """One token pattern per context word, as our tokenizer splits it."""
        patterns = []
        for word in words:
            tokens = [t.lower_ for t in self.nlp.make_doc(word)]
            patterns.append([{"LOWER": token} for token in tokens])
        return patterns

    def _add_patterns(self, vocab: dict[str, list[str]]) -> None:
        m = self.matcher
        m.add("tx_hash", [[{"TEXT": {"REGEX": _TX_HASH}}]])
        m.add("evm_address", [[{"TEXT": {"REGEX": _EVM_ADDRESS}}]])
        m.add("btc_address", [[{"TEXT": {"REGEX": _BTC_BECH32}}],
                              [{"TEXT": {"REGEX": _BTC_LEGACY}}]])
        m.add("tron_address", [[{"TEXT": {"REGEX": _TRON}}]])
        m.add("email", [[{"LIKE_EMAIL": True}]])
        gap = {"TEXT": {"REGEX": r"^(#|:|：|=|-|号|號|番|no\.?|nr\.?|id|ID|번호|is|n°|nº|№)$"},
               "OP": "*"}
        value = {"TEXT": {"REGEX": _ID_VALUE}}
        for label, key in (("order_id", "order_words"), ("ticket_id", "ticket_words"),
                           ("uid", "uid_words")):
            m.add(label, [[*ctx, gap, value] for ctx in self._context(vocab[key])])
        m.add("ticket_id", [[{"TEXT": {"REGEX": r"^#\d{4,12}$"}}]])
        asset_names = sorted({a.lower() for a in vocab["assets"]})
        units = [{"LOWER": {"IN": asset_names}}]
        alias = [{"TEXT": {"IN": vocab["usdt_aliases"]}}]
        number = {"TEXT": {"REGEX": _NUMBER}}
        mult = {"TEXT": {"IN": list(_MULTIPLIERS)}, "OP": "?"}
        counter = {"TEXT": {"IN": ["个", "個", "枚", "개"]}, "OP": "?"}
        m.add("amount", [
            [number, mult, counter, units[0]],
            [number, mult, alias[0]],
            [{"TEXT": {"IN": ["$", "€", "£"]}}, number, mult],
        ])
        m.add("asset", [[{"LOWER": {"IN": asset_names}}]])
        m.add("network", [[{"LOWER": {"IN": sorted({n.lower() for n in vocab["networks"]})}}]])

    def extract(self, text: str) -> list[Entity]:
        doc = self.nlp.make_doc(text)
        spans: list[Span] = []
        # An id token can follow several context words ("订单号" holds "单号", a ticket
        # word): the longest context decides its label.
        ids: dict[int, tuple[int, str]] = {}
        for match_id, start, end in self.matcher(doc):
            label = self.nlp.vocab.strings[match_id]
            if label in {"order_id", "ticket_id", "uid"}:
                best = ids.get(end - 1)
                if best is None or end - start > best[0]:
                    ids[end - 1] = (end - start, label)
                continue
            span = Span(doc, start, end, label=label)
            if self._valid(span):
                spans.append(span)
        spans += [Span(doc, i, i + 1, label=label) for i, (_, label) in ids.items()]
        # Longest match wins: "500 USDT" is an amount, not an asset.
        kept = filter_spans(spans)
        return [self._to_entity(span) for span in sorted(kept, key=lambda s: s.start)]

    @staticmethod
    def _valid(span: Span) -> bool:
        if span.label_ in {"btc_address", "tron_address"} and not span.text.startswith(
            ("bc1", "tb1")
        ):
            return decode_check(span.text) is not None  # a checksum rules out random words
        return True

    def _to_entity(self, span: Span) -> Entity:
        value: dict[str, Any] = {}
        if span.label_ == "amount":
            value = self._amount_value(span)
        elif span.label_ == "asset":
            value = {"asset": span.text.upper()}
        elif span.label_ in {"order_id", "ticket_id", "uid"}:
            value = {"id": span.text.lstrip("#")}
        return Entity(span.label_, span.text, span.start_char, span.end_char, value)

    def _amount_value(self, span: Span) -> dict[str, Any]:
        tokens = [t.text for t in span]
        number_text = next(t for t in tokens if re.match(_NUMBER, t))
        amount = _parse_number(number_text)
        for token in tokens:
            amount *= _MULTIPLIERS.get(token, 1.0)
        asset = "USD"
        if tokens[0] in {"€"}:
            asset = "EUR"
        elif tokens[0] == "£":
            asset = "GBP"
        elif tokens[-1] in self._usdt_aliases:
            asset = "USDT"
        elif tokens[-1].upper() in self._assets:
            asset = tokens[-1].upper()
        return {"amount": amount, "asset": asset}


def _parse_number(text: str) -> float:
    """'1,500.50', '1.500,50', '20.000', '0,5', '0.005' as traders write them.

    A separator followed by exactly three digits groups thousands ("20.000 USDT" in
    German or Turkish), unless the integer part is 0 ("0.005 BTC").
    """
    separators = [i for i, c in enumerate(text) if c in ".,"]
    if not separators:
        return float(text)
    last = separators[-1]
    decimals = len(text) - last - 1
    integer_part = re.sub(r"[.,]", "", text[:last])
    mixed = len({text[i] for i in separators}) > 1
    if decimals == 3 and not mixed and integer_part.lstrip("0"):
        return float(re.sub(r"[.,]", "", text))
    return float(f"{integer_part or 0}.{text[last + 1:]}")
