"""Language identification: ours against raw langdetect (seeded), on short chat messages
(eval_data/short_lang.jsonl) and on the held-out support messages.

    .venv/bin/python -m bench.language_id
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import joblib
from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException

from bench.common import ROOT, dump, machine
from bot.config import load_settings
from bot.nlu.language import LanguageIdentifier
from bot.nlu.training import LANGUAGE_FILE


def raw_langdetect(text: str) -> str:
    """langdetect alone (seed it first: `DetectorFactory.seed = 0`)."""
    try:
        return detect(text).split("-")[0]  # zh-cn / zh-tw → zh
    except LangDetectException:
        return "?"


def _score(rows: list[dict[str, str]], ours: LanguageIdentifier) -> dict[str, object]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        counts = per[row["lang"]]
        counts[0] += ours.identify(row["text"]).lang == row["lang"]
        counts[1] += raw_langdetect(row["text"]) == row["lang"]
        counts[2] += 1
    n = sum(c[2] for c in per.values())
    return {
        "n": n,
        "ours": round(sum(c[0] for c in per.values()) / n, 4),
        "raw_langdetect": round(sum(c[1] for c in per.values()) / n, 4),
        "per_lang": {lang: {"ours": round(c[0] / c[2], 3), "raw": round(c[1] / c[2], 3)}
                     for lang, c in sorted(per.items())},
    }


def main() -> None:
    DetectorFactory.seed = 0
    settings = load_settings(ROOT / "config.yml")
    # The trained model's letter profiles, as the product reads messages (none before
    # `supportbot train`: then langdetect, the lexicon and the letters alone).
    profiles_file = Path(settings.paths.models) / LANGUAGE_FILE
    if not profiles_file.is_absolute():
        profiles_file = ROOT / profiles_file
    profiles = joblib.load(profiles_file) if profiles_file.exists() else None
    ours = LanguageIdentifier(settings.language, profiles)
    sets = {}
    for name in ("short_lang.jsonl", "heldout.jsonl", "heldout_v2.jsonl"):
        rows = [json.loads(line) for line in (ROOT / "eval_data" / name).open()]
        sets[name] = _score(rows, ours)
    dump({"benchmark": "language identification, no conversation context or locale hint",
          "letter_profiles": profiles is not None,
          "sets": sets, "machine": machine()})


if __name__ == "__main__":
    main()
