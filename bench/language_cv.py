"""Choose the language identifier's evidence weights on training text only.

A fifth of each Latin-script language's training text (every fifth distinct text) is held
out; the letter and word profiles are built from the rest; each held-out text is cut to
one snippet of one to four of its words (seeded), as traders type them; every weighting
given reads every snippet. Script-decided languages (zh, ja, ko, ru) are not part of it:
their script settles them. No evaluation set is read, so the weights chosen here can be
reported on the fresh short-message sets.

    .venv/bin/python -m bench.language_cv [--words 0,1,2,3] [--word-sharpness 0.5,1,2]
        [--lexicon 2] [--fold 0]
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections import defaultdict

from bench.common import ROOT, dump, machine
from bot.config import load_settings
from bot.nlu.language import SCRIPT_DECIDED, EvidenceWeights, LanguageIdentifier, strip_noise
from bot.nlu.language_ngrams import WORD, LanguageProfiles
from bot.nlu.training import language_texts, shipped_data

FOLDS = 5
LONGEST_SNIPPET = 4


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part]


def split(texts: dict[str, list[str]], fold: int) -> tuple[dict[str, list[str]],
                                                            dict[str, list[str]]]:
    """Every FOLDS-th distinct text (from `fold`) held out, the rest kept for the profiles."""
    kept: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}
    for lang, items in texts.items():
        distinct = sorted(set(items))
        kept[lang] = [t for i, t in enumerate(distinct) if i % FOLDS != fold]
        held[lang] = [t for i, t in enumerate(distinct) if i % FOLDS == fold]
    return kept, held


def snippets(held: dict[str, list[str]], latin: list[str], seed: int = 0
             ) -> list[tuple[str, str]]:
    """(snippet, language): one to four whitespace tokens of each held-out text that still
    hold a word once hashes and numbers are gone."""
    rng = random.Random(seed)
    out = []
    for lang in latin:
        for text in held.get(lang, []):
            tokens = text.split()
            if not tokens:
                continue
            size = rng.randint(1, LONGEST_SNIPPET)
            start = rng.randint(0, max(0, len(tokens) - size))
            piece = " ".join(tokens[start:start + size])
            if WORD.search(strip_noise(piece)):
                out.append((piece, lang))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", default="0,1,2,3", help="word-model weights to try")
    parser.add_argument("--word-sharpness", default="0.5,1,2")
    parser.add_argument("--lexicon", default="2")
    parser.add_argument("--fold", type=int, default=0)
    args = parser.parse_args()
    settings = load_settings(ROOT / "config.yml")
    languages = settings.language.supported
    latin = [lang for lang in languages if lang not in SCRIPT_DECIDED]
    kept, held = split(language_texts(shipped_data(settings), languages), args.fold)
    profiles = LanguageProfiles.build(kept, latin)
    pieces = snippets(held, latin)
    results = []
    for words, sharpness, lexicon in itertools.product(
            _floats(args.words), _floats(args.word_sharpness), _floats(args.lexicon)):
        if words == 0 and sharpness != _floats(args.word_sharpness)[0]:
            continue  # the word model is off: its sharpness changes nothing
        weights = EvidenceWeights(words=words, word_sharpness=sharpness, lexicon=lexicon)
        reader = LanguageIdentifier(settings.language, profiles, weights)
        per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        per_size: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for piece, lang in pieces:
            right = int(reader.identify(piece).lang == lang)
            for counts in (per_lang[lang], per_size[len(piece.split())]):
                counts[0] += right
                counts[1] += 1
        n = sum(c[1] for c in per_lang.values())
        results.append({
            "words": words, "word_sharpness": sharpness, "lexicon": lexicon,
            "accuracy": round(sum(c[0] for c in per_lang.values()) / n, 4),
            "per_size": {size: round(c[0] / c[1], 4) for size, c in sorted(per_size.items())},
            "per_lang": {lang: round(c[0] / c[1], 4) for lang, c in sorted(per_lang.items())},
        })
    dump({"benchmark": "language weights, cross-validated on training text",
          "fold": args.fold, "snippets": len(pieces), "results": results,
          "machine": machine()})


if __name__ == "__main__":
    main()
