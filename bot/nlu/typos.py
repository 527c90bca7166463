"""Typos of the few words an account-emptying report hangs on, mended before the models
and the cue words read a message.

A trader whose account is being emptied types in a panic: "my ac is hakced", "accnt
hcked" (the 0.11.13 trial: P4 and P2, while "my ac is hacked" is P1 at 1.00). Training
data cannot hold every misspelling of every word, but these words are few: a Latin-letter
token one edit away from one of them (a letter left out, added, changed, or two swapped)
is read as that word, unless it is a common word of a language we serve or starts with
another letter ("packed", "backed" stay). The stored text keeps what the trader typed;
only what the models and the cue words read changes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.nlu.folding import fold
from bot.nlu.secrets.common_words import common_word

# Words whose misspelling costs a P1 (English, and the loanwords other languages use).
# Not "password": German "Passwort" is one edit away, and a password's typo is no P1.
_WORDS = (
    "hacked", "hacker", "hackers", "hacking", "stolen", "drained", "emptied", "account",
    "unauthorized", "unauthorised", "withdrawal", "withdrawn", "hackeado",
    "hackeada", "hackearon", "hackeou", "gehackt", "hackerato", "hacklendi", "pirate",
)
_TOKEN = re.compile(r"(?<![\w@/.#-])[A-Za-z]{4,16}(?![\w@/.#-])")


@lru_cache(maxsize=4096)
def _mended(token: str) -> str | None:
    folded = fold(token)
    if folded in _WORDS or common_word(folded):
        return None
    for word in _WORDS:
        # The first letter is kept: "packed", "backed" and "jacked" are other words.
        if folded[0] == word[0] and abs(len(word) - len(folded)) <= 1 and _edits(
                folded, word, 1) <= 1:
            return word
    return None


def _edits(a: str, b: str, most: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), or most + 1
    once it is certainly above `most`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > most:
            return most + 1
        previous2, previous = previous, current
    return previous[-1]


def mend_typos(text: str) -> str:
    if not text.isascii() and not re.search(r"[A-Za-z]{4}", text):
        return text
    return _TOKEN.sub(lambda match: _mended(match.group(0)) or match.group(0), text)
