"""Russian typed in Latin letters, read back in Cyrillic.

Some Russian traders type "zablokirujte moj akkaunt srochno" on a Latin keyboard. The
language is recognised (bot/nlu/language.py, method "translit"), but the models and the
cue words were taught mostly on Cyrillic Russian: in the spent fresh set s three of its
four such messages were misread, a request to freeze an account being emptied among them
(out of scope, not P1). So, for the models and the cue words only, such a message is
spelt back into Cyrillic; the stored text and the entities keep what the trader typed.

There is no one Latin spelling of Russian ("y" is ы after a consonant and й after a
vowel, "ts" is ц or тс), so the result is close rather than exact: "pishu" → "пишу",
"dengi" → "денги". The sentence encoder and the character n-grams tolerate that as they
tolerate a typo. Words that are not Russian stay as typed: anything with a digit, in
capitals (USDT, TRC20), in the shared jargon list (p2p, binance, metamask), or a common
word of a language we serve that is not also a known Latin-letter Russian word.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from bot.nlu.secrets.common_words import common_word, common_words

# A redaction placeholder ("[REDACTED:password]") is matched whole, so it stays as it is.
_WORD = re.compile(r"\[[A-Z]+:\w+\]|[A-Za-z]+(?:'[A-Za-z]+)*")
# Longest first: "shch" before "sh", "tsya" before "ts".
_LETTERS: tuple[tuple[str, str], ...] = (
    ("shch", "щ"), ("tsya", "тся"), ("tsja", "тся"), ("sch", "щ"), ("zh", "ж"),
    ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("ya", "я"), ("ja", "я"),
    ("yu", "ю"), ("ju", "ю"), ("yo", "ё"), ("jo", "ё"), ("a", "а"), ("b", "б"),
    ("v", "в"), ("w", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"),
    ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "ц"),
    ("x", "кс"), ("q", "к"), ("'", "ь"),
)
_VOWELS = set("aeiouy")
# Short Russian words that are common words elsewhere too ("ne", "na", "da"): spelt
# back all the same, so that "eto ne ya" meets the cue "не я" (0.11.13 review). Not
# "to", "do", "on", "my", "me": English mixed in needs them.
_RUSSIAN_SHORT = frozenset(
    "ne net ya na v u da po ot za iz s k o ob eto vse mne menya ty vy ona oni".split())


def _word_in_cyrillic(word: str) -> str:
    lower = word.lower()
    out: list[str] = []
    i = 0
    while i < len(lower):
        if lower[i] == "y" and not lower.startswith(("ya", "yu", "yo"), i):
            # After a vowel "y" closes a syllable (moy, dobryy's second y): й; else ы.
            out.append("й" if i and lower[i - 1] in _VOWELS else "ы")
            i += 1
            continue
        for latin, cyrillic in _LETTERS:
            if lower.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(lower[i])
            i += 1
    spelt = "".join(out)
    return spelt.capitalize() if word[:1].isupper() else spelt


def in_cyrillic(text: str, keep: Collection[str], russian: Collection[str] = ()) -> str:
    """`text` with its Latin-letter Russian words spelt in Cyrillic. `keep`: lower-case
    words that are not Russian (the jargon list). `russian`: words known to be Russian
    in Latin letters; any other common word of a language we serve stays as typed, so
    English mixed in ("someone logged in, not me, pomogite srochno") keeps its cues."""

    def spell(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.startswith("["):
            return word
        start, end = match.span()
        before, after = text[start - 1:start], text[end:end + 2]
        # Part of a link, an address or an identifier: a digit or "@/._:" glued to it
        # ("x.ru", "a@b.ru", "https://"), not a full stop ending the sentence.
        glued_before = before != "" and (before.isdigit() or before in "@/._:")
        glued_after = after != "" and (after[0].isdigit() or (
            after[0] in "@/._:" and len(after) == 2 and not after[1].isspace()))
        lower = word.lower()
        if (lower in keep or (word.isupper() and len(word) > 1)
                or (lower not in russian and lower not in _RUSSIAN_SHORT
                    and common_word(lower)) or glued_before
                or glued_after):
            # In the jargon list, in capitals, a common word of another language, or
            # part of a link, address or identifier.
            return word
        return _word_in_cyrillic(word)

    return _WORD.sub(spell, text)


# Russian typed with the Latin keyboard layout still on: "frr dpkjvfkb ,fkfyc 0" is
# "акк взломали баланс 0" (the 0.11.14 held-out typo set: a takeover read as "thanks").
# Each key is read as the Cyrillic letter it carries on the Russian layout (ЙЦУКЕН).
_LAYOUT = str.maketrans(
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~",
    "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ")
_LATIN_WORD = re.compile(r"[A-Za-z;,.'\[\]`]+")
_MOSTLY_NOT_WORDS = 0.25  # at most this share of the typed words may be real words


def from_wrong_layout(text: str) -> str | None:
    """The text as the Russian layout would have typed it, when it is Latin gibberish
    that reads as Russian so: two words or more, hardly any of them a word of a language
    we serve, and at least one common Russian word once swapped. None otherwise. The
    caller confirms the language of the result."""
    if not text.isascii():
        return None
    words = [w.strip(",.;'[]`") for w in _LATIN_WORD.findall(text)]
    words = [w for w in words if len(w) >= 2 and w.isalpha()]
    if len(words) < 2 or sum(common_word(w) for w in words) > _MOSTLY_NOT_WORDS * len(words):
        return None
    swapped = text.translate(_LAYOUT)
    russian = re.findall(r"[а-яё]{2,}", swapped.lower())
    # Every swapped word spelt as Russian words are (letter pairs of common Russian words
    # only): Latin-letter Russian or Turkish swapped ("ne mogu" → "ту ьщпг") is not.
    pairs = _russian_letter_pairs()
    spelt = sum(all(w[i:i + 2] in pairs for i in range(len(w) - 1)) for w in russian)
    # One word in three may be spelt unlike them: "акк" (short for аккаунт).
    if not any(common_word(w) for w in russian) or spelt < len(russian) - len(russian) // 3:
        return None
    return swapped


@lru_cache(maxsize=1)
def _russian_letter_pairs() -> frozenset[str]:
    words = [w for w in common_words() if re.fullmatch(r"[а-яё]+", w)]
    return frozenset(w[i:i + 2] for w in words for i in range(len(w) - 1))
