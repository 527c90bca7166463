"""Text folded for matching: lower case, Latin accents dropped, full-width forms narrowed.

Traders type "contrasena" for "contraseña", "mat khau" for "mật khẩu", "PASSE" for "passé":
every cue and wordlist lookup works on the folded form. The fold keeps a map back to the
original offsets, so what is found in the folded text is redacted in the original.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Only the Latin combining accents go: Japanese voicing marks (U+3099) and Hangul jamo
# change the word, so they stay.
_LATIN_ACCENTS = range(0x0300, 0x0370)
_EXTRA = {"ı": "i", "ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss",
          "\u3000": " "}
# Apostrophes: English "n't" closes up ("didn't" is typed "didnt" as often), every
# other one separates words ("d'erreur" is "d erreur", "c'est" is "c est").
_APOSTROPHES = frozenset("'’‘`´")


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    lowered = char.lower()
    if lowered in _EXTRA:
        return _EXTRA[lowered]
    decomposed = unicodedata.normalize("NFKD", lowered)
    kept = "".join(c for c in decomposed if ord(c) not in _LATIN_ACCENTS)
    return unicodedata.normalize("NFC", kept)


def _fold_at(text: str, index: int) -> str:
    char = text[index]
    if char in _APOSTROPHES:
        closes = (0 < index < len(text) - 1 and text[index - 1] in "nN"
                  and text[index + 1] in "tT")
        return "" if closes else " "
    return fold_char(char)


def _plain(text: str) -> bool:
    return text.isascii() and "'" not in text and "`" not in text


def fold(text: str) -> str:
    if _plain(text):
        return text.lower()
    # Recomposed as a whole: a wordlist stored decomposed (Korean jamo) matches typed text.
    return unicodedata.normalize("NFC", "".join(_fold_at(text, i) for i in range(len(text))))


@dataclass(frozen=True)
class Folded:
    """The folded text and, for each of its characters, the original offset."""

    original: str
    text: str
    origin: tuple[int, ...]

    @classmethod
    def of(cls, original: str) -> Folded:
        if _plain(original):
            return cls(original, original.lower(), tuple(range(len(original))))
        parts: list[str] = []
        origin: list[int] = []
        for index in range(len(original)):
            folded = _fold_at(original, index)
            parts.append(folded)
            origin.extend([index] * len(folded))
        return cls(original, "".join(parts), tuple(origin))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded [start, end)."""
        if start >= end:
            point = self.origin[start] if start < len(self.origin) else len(self.original)
            return point, point
        return self.origin[start], self.origin[end - 1] + 1

    def at(self, original_offset: int) -> int:
        """The folded offset of an original one."""
        return bisect.bisect_left(self.origin, original_offset)
