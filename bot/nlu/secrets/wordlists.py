"""The BIP39 wordlists, indexed for exact, accent-free and one-typo lookups.

All ten official lists plus the Russian and Turkish ones that wallets also use. BIP39
words are unique in their first four letters, and a pasted phrase often has one word
mistyped, so a word one edit away (or sharing its unique four-letter start) still counts,
marked as a guess: the phrase is redacted whole rather than in two halves around it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.nlu.folding import fold

SPACED_LISTS = ("english", "spanish", "french", "italian", "portuguese", "czech",
                "japanese", "korean", "russian", "turkish")
HAN_LISTS = ("chinese_simplified", "chinese_traditional")
_FREQUENCIES = Path(__file__).parent / "bip39_frequencies.json"
_ALPHABETIC = ("english", "spanish", "french", "italian", "portuguese", "czech", "russian",
               "turkish")


@dataclass
class Wordlist:
    name: str
    words: list[str]
    index: dict[str, int]  # folded word → position (the 11 bits it stands for)
    typo_tolerant: bool
    by_deletion: dict[str, set[int]] = field(default_factory=dict)
    by_prefix: dict[str, int] = field(default_factory=dict)
    zipf: dict[str, float] = field(default_factory=dict)
    natural_cut: dict[int, float] = field(default_factory=dict)

    def exact(self, folded: str) -> int | None:
        return self.index.get(folded)

    def near(self, folded: str) -> tuple[int, ...]:
        """Positions of the words one typo away (drop, add, swap or change a letter), or
        sharing the token's unique four-letter start; () when none or too many."""
        if not self.typo_tolerant or len(folded) < 4 or not folded.isalpha():
            return ()
        found: set[int] = set()
        prefix = self.by_prefix.get(folded[:4])
        if prefix is not None:
            found.add(prefix)
        found |= self.by_deletion.get(folded, set())  # a letter dropped
        for i in range(len(folded)):
            shorter = folded[:i] + folded[i + 1:]
            if shorter in self.index:  # a letter added
                found.add(self.index[shorter])
            found |= self.by_deletion.get(shorter, set())  # a letter changed
        for i in range(len(folded) - 1):  # two letters swapped
            swapped = folded[:i] + folded[i + 1] + folded[i] + folded[i + 2:]
            if swapped in self.index:
                found.add(self.index[swapped])
        return tuple(sorted(found)) if 0 < len(found) <= 3 else ()

    def commonness(self, positions: list[int]) -> float | None:
        """Mean word frequency (Zipf scale) of a run, None for lists without the table."""
        if not self.zipf:
            return None
        values = [self.zipf.get(fold(self.words[p]), 0.0) for p in positions]
        return sum(values) / len(values)

    def reads_like_a_sentence(self, positions: list[int], strict: bool = False) -> bool:
        """Common words, as a sentence has: random phrases of this length score this high
        1 in 10,000. `strict`: the cut of 12-word phrases, which few short runs of real
        seed words reach but sentences do."""
        mean = self.commonness(positions)
        if mean is None or not positions:
            return False
        lengths = [n for n in sorted(self.natural_cut) if n <= len(positions)]
        size = max(self.natural_cut) if strict else (lengths[-1] if lengths
                                                     else min(self.natural_cut))
        return mean >= self.natural_cut[size]


@lru_cache(maxsize=1)
def spaced_wordlists() -> tuple[Wordlist, ...]:
    import mnemonic  # the official BIP39 wordlists ship with it

    folder = Path(mnemonic.__file__).parent / "wordlist"
    tables = json.loads(_FREQUENCIES.read_text(encoding="utf-8"))
    lists = []
    for name in SPACED_LISTS:
        words = (folder / f"{name}.txt").read_text("utf-8").split()
        wordlist = Wordlist(name, words, {fold(w): i for i, w in enumerate(words)},
                            typo_tolerant=name in _ALPHABETIC)
        if wordlist.typo_tolerant:
            prefixes: dict[str, list[int]] = {}
            for word, position in wordlist.index.items():
                prefixes.setdefault(word[:4], []).append(position)
                for i in range(len(word)):
                    wordlist.by_deletion.setdefault(word[:i] + word[i + 1:], set()).add(position)
            wordlist.by_prefix = {p: v[0] for p, v in prefixes.items() if len(v) == 1}
        table = tables.get(name)
        if table:
            wordlist.zipf = table["zipf"]
            wordlist.natural_cut = {int(n): cut for n, cut in table["natural_cut"].items()}
        lists.append(wordlist)
    return tuple(lists)


@lru_cache(maxsize=1)
def han_wordlists() -> tuple[Wordlist, ...]:
    import mnemonic

    folder = Path(mnemonic.__file__).parent / "wordlist"
    lists = []
    for name in HAN_LISTS:
        words = (folder / f"{name}.txt").read_text("utf-8").split()
        lists.append(Wordlist(name, words, {w: i for i, w in enumerate(words)}, False))
    return tuple(lists)


@lru_cache(maxsize=1)
def _chinese() -> tuple[frozenset[str], frozenset[str]]:
    table = json.loads(_FREQUENCIES.read_text(encoding="utf-8"))
    return frozenset(table["chinese_words"]), frozenset(table["chinese_function_chars"])


def chinese_coverage(block: str, start: int, end: int) -> float:
    """Share of the window's characters inside common Chinese words (words may reach
    across its edges into the block): sentences mostly 0.45 and up, random 12-character
    phrases 0.33 at most in 999 of 1,000 (10,000 drawn)."""
    words, _ = _chinese()
    covered = [False] * (end - start)
    for size in (2, 3, 4):
        for at in range(max(0, start - size + 1), min(len(block), end + size - 1) - size + 1):
            if block[at:at + size] in words:
                for k in range(max(at, start), min(at + size, end)):
                    covered[k - start] = True
    return sum(covered) / max(1, end - start)


def is_function_char(char: str) -> bool:
    """One of the most frequent characters (的, 是, 了, 我 …): a sentence has several in
    12 characters; 12 random wordlist characters four or more 1 time in 10,000."""
    return char in _chinese()[1]


def checksum_ok(positions: list[int]) -> bool:
    """BIP39: 11 bits a word; the last len/3 bits are the start of SHA-256(entropy)."""
    n = len(positions)
    if n not in (12, 15, 18, 21, 24):
        return False
    bits = 0
    for position in positions:
        bits = (bits << 11) | position
    checksum_bits = n // 3
    entropy_bits = n * 11 - checksum_bits
    entropy = (bits >> checksum_bits).to_bytes(entropy_bits // 8, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return (bits & ((1 << checksum_bits) - 1)) == expected
