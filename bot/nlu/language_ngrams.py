"""Letter n-gram profiles of our own training text, one per language.

langdetect's profiles come from Wikipedia: they know "retiro" and "prelievo" barely and
"saque pendente" or "para cekme" (Turkish typed without its letters) not at all, and on
two words their evidence is thin. The training data holds thousands of support messages
per language, written the way traders write, so a naive Bayes model over their letter
n-grams (one to four letters, with word edges) reads short messages much better
(cross-validated on the training text itself: 72.6% → 88.6% of one-to-four-word snippets
in the Latin-script languages, see `LanguageIdentifier`).

Beside the letters, the whole words: "sim", "moin" or "hi" alone are one to three letters
whose n-grams every language writes, while the word itself is frequent in one language's
support messages and rare or absent in the others'.

For Han-only messages the same model tells Japanese kanji compounds ("出金遅延",
"本人確認") from Chinese, by the characters each language's data writes.

Built by `supportbot train` from the files whose name says their language
(`nlu_data/pt.yml`, `safety_data/incidents/round11_pt.yml`) and from the FAQ's question
variants; a model trained without such files has no profile and the identifier works as
before.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# A word as the identifier reads it (letters, one inner apostrophe: "l'account").
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Part of the model's fingerprint: a model trained before the profiles (or with another
# recipe) is retrained rather than read without them.
PROFILES_VERSION = 2
LONGEST = 4
# Add-alpha smoothing: an n-gram one language never wrote still gets a little mass.
ALPHA = 0.1
# Grams seen once are mostly names and typos; dropping them halves the profile.
MIN_COUNT = 2
# A profile of a few sentences is noise that outvotes langdetect: a model is built only
# when every language it compares has at least this many texts (the shipped data has
# 3,700 or more per Latin-script language), else the identifier works without it.
MIN_EXAMPLES = 200


def word_grams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i:i + n] for n in range(1, LONGEST + 1)
            for i in range(len(padded) - n + 1) if padded[i:i + n] != " "]


def han_grams(run: str) -> list[str]:
    """Characters and character pairs of a run of Han characters."""
    return list(run) + [run[i:i + 2] for i in range(len(run) - 1)]


@dataclass
class _Counts:
    grams: dict[str, dict[str, int]] = field(default_factory=dict)  # lang → gram → count
    totals: dict[str, float] = field(default_factory=dict)  # lang → smoothed denominator

    @classmethod
    def build(cls, grams_by_lang: Mapping[str, Counter[str]]) -> _Counts:
        kept = {lang: {g: c for g, c in counts.items() if c >= MIN_COUNT}
                for lang, counts in grams_by_lang.items()}
        vocabulary = len(set().union(*kept.values())) if kept else 0
        totals = {lang: sum(counts.values()) + ALPHA * vocabulary
                  for lang, counts in kept.items()}
        return cls(kept, totals)

    def mean_log_likelihood(self, grams: list[str]) -> dict[str, float]:
        if not grams or not self.grams:
            return {}
        return {
            lang: sum(math.log((counts.get(g, 0) + ALPHA) / self.totals[lang])
                      for g in grams) / len(grams)
            for lang, counts in self.grams.items()
        }


def _posterior(log_likelihoods: dict[str, float], sharpness: float) -> dict[str, float]:
    """A softmax over languages of the mean per-gram log-likelihood. Averaging per gram
    keeps long and short messages on one scale; `sharpness` sets how decided it is."""
    if not log_likelihoods:
        return {}
    top = max(log_likelihoods.values())
    weights = {lang: math.exp((value - top) * sharpness)
               for lang, value in log_likelihoods.items()}
    total = sum(weights.values())
    return {lang: weight / total for lang, weight in weights.items()}


@dataclass
class LanguageProfiles:
    """The letter model of the Latin-script languages and the Han model of zh / ja."""

    latin: _Counts
    han: _Counts
    examples: dict[str, int]
    # Whole words of the Latin-script languages (a profile pickled before version 2 has
    # none: it is retrained, since the version is part of the model's fingerprint).
    words: _Counts = field(default_factory=_Counts)

    def __setstate__(self, state: dict[str, object]) -> None:
        # Profiles pickled before version 2 have no word model; a bench may still read a
        # kept older model (the product retrains it: the version is in the fingerprint).
        state.setdefault("words", _Counts())
        self.__dict__.update(state)

    @classmethod
    def build(cls, texts_by_lang: Mapping[str, Iterable[str]],
              latin_languages: Iterable[str]) -> LanguageProfiles:
        latin = set(latin_languages)
        letter_grams: dict[str, Counter[str]] = {}
        word_counts: dict[str, Counter[str]] = {}
        character_grams: dict[str, Counter[str]] = {}
        examples: dict[str, int] = {}
        for lang, texts in texts_by_lang.items():
            letters: Counter[str] = Counter()
            words: Counter[str] = Counter()
            characters: Counter[str] = Counter()
            count = 0
            for text in texts:
                count += 1
                if lang in latin:
                    for word in WORD.findall(text.lower()):
                        letters.update(word_grams(word))
                        words[word] += 1
                elif lang in ("zh", "ja"):
                    for run in _HAN.findall(text):
                        characters.update(han_grams(run))
            examples[lang] = count
            if letters:
                letter_grams[lang] = letters
                word_counts[lang] = words
            if characters:
                character_grams[lang] = characters
        def enough(languages: Iterable[str]) -> bool:
            return all(examples.get(lang, 0) >= MIN_EXAMPLES for lang in languages)

        han = (_Counts.build(character_grams)
               if len(character_grams) == 2 and enough(character_grams) else _Counts())
        latin_ready = len(latin) >= 2 and enough(latin)
        latin_counts = _Counts.build(letter_grams) if latin_ready else _Counts()
        word_model = _Counts.build(word_counts) if latin_ready else _Counts()
        return cls(latin_counts, han, examples, word_model)

    @property
    def empty(self) -> bool:
        return not self.latin.grams and not self.han.grams

    def latin_posterior(self, words: list[str], sharpness: float) -> dict[str, float]:
        grams = [g for word in words for g in word_grams(word)]
        return _posterior(self.latin.mean_log_likelihood(grams), sharpness)

    def word_posterior(self, words: list[str], sharpness: float) -> dict[str, float]:
        """The same softmax over the words some language wrote at least twice; a word no
        language knows (a name, a typo) is no evidence either way, so it is left out."""
        known = [word for word in words
                 if any(word in counts for counts in self.words.grams.values())]
        return _posterior(self.words.mean_log_likelihood(known), sharpness)

    def han_posterior(self, text: str, sharpness: float) -> dict[str, float]:
        grams = [g for run in _HAN.findall(text) for g in han_grams(run)]
        return _posterior(self.han.mean_log_likelihood(grams), sharpness)


def language_of_file(source: str, languages: Iterable[str]) -> str | None:
    """'nlu_data/pt.yml:12' → 'pt'; 'safety_data/incidents/round11_vi.yml:40' → 'vi';
    a file whose name names no language (mixed sets) → None."""
    stem = Path(source.rsplit(":", 1)[0]).stem
    tail = stem.rsplit("_", 1)[-1]
    return tail if tail in set(languages) else None
