"""The 3,000 commonest words of each language we serve (common_words.json, built by
scripts/build_bip39_frequencies.py): what a password or a seed phrase's typo is not."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from bot.nlu.folding import fold

_COMMON_WORDS = Path(__file__).parent / "common_words.json"


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    return frozenset(json.loads(_COMMON_WORDS.read_text(encoding="utf-8")))


def common_word(word: str) -> bool:
    return fold(word) in _common_words()
