"""Cue words kept in YAML files: one pattern per category, matched in folded text.

A file maps a category to a list of words written folded (lower case, Latin accents
dropped). A word ending in "*" is a stem ("транзакц*" matches "транзакция"); other
Latin/Cyrillic words match whole; CJK words match anywhere. "seed phrase", "seed-phrase"
and "seedphrase" are one cue.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from bot.errors import DataFileError
from bot.nlu.chinese_script import mainland_simplified
from bot.nlu.folding import fold

# Kana, Han and Hangul: a character class body, for patterns that treat them apart.
CJK_LETTERS = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
# Scripts written without spaces between words: their cues match anywhere.
_UNSPACED = re.compile(f"[{CJK_LETTERS}]")
_HAN = re.compile(r"[\u3400-\u9fff]")
# A Latin or Cyrillic cue is a whole word, but Chinese, Japanese and Korean letters around
# it do not make it part of a longer word: "我的UID是…", "2FA를", "APIキー".
_NOT_AFTER_LETTER = rf"(?<![^\W{CJK_LETTERS}])"
_NOT_BEFORE_LETTER = rf"(?![^\W{CJK_LETTERS}])"


def _body(word: str) -> str:
    # "seed phrase", "seed-phrase", "seed_phrase", "seedphrase": one cue.
    return re.escape(word.replace("-", " ")).replace(r"\ ", r"[\s\-_]*")


def _compile(words: list[str]) -> re.Pattern[str]:
    """Three alternations sharing their boundary checks (one lookbehind per position, not
    one per word): CJK cues anywhere, Latin/Cyrillic stems, whole words."""
    unspaced, stems, whole = [], [], []
    # Traditional Chinese messages reach the cues converted (chinese_script): every
    # Chinese cue also matches in that form ("轉帳" as "转账", "登入" as "登录").
    words = [*words, *(mainland_simplified(w) for w in words if _HAN.search(w))]
    for cue in sorted({fold(w) for w in words}, key=len, reverse=True):
        word = cue.rstrip("*")
        if _UNSPACED.search(word) or not re.search(r"\w", word[0] + word[-1]):
            unspaced.append(_body(word))
        elif cue.endswith("*"):
            stems.append(_body(word))
        else:
            whole.append(_body(word))
    parts = []
    if unspaced:
        parts.append("(?:" + "|".join(unspaced) + ")")
    if stems:
        parts.append(_NOT_AFTER_LETTER + "(?:" + "|".join(stems) + rf")[^\W{CJK_LETTERS}]*")
    if whole:
        parts.append(_NOT_AFTER_LETTER + "(?:" + "|".join(whole) + ")" + _NOT_BEFORE_LETTER)
    return re.compile("|".join(parts))


def compile_cues(words: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a list of cue words (the rules above), searched in folded text.
    Also used for the keywords of a declared incident (bot.incidents)."""
    return _compile(list(words))


@lru_cache(maxsize=8)
def cue_file(path: Path) -> dict[str, re.Pattern[str]]:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    patterns: dict[str, re.Pattern[str]] = {}
    for category, words in raw.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise DataFileError(path, f"'{category}' is not a list of words",
                                "Write each cue as '  - word' under its category.")
        patterns[category] = _compile(words)
    return patterns


