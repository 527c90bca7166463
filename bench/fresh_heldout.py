"""The fresh held-out sets of 2026-12 (eval_data/fresh_2026_12/), written by two people who
never opened nlu_data/ or faq_corpus/. Never tuned on: a report, not a target.

- heldout_*.jsonl: 480 support messages, 40 per language: intent, language, urgency, P1;
- short_lang_*.jsonl: 310 one-to-four-word messages: language with and without the
  channel's locale hint, against raw langdetect;
- short_lang_tokens.jsonl: 324 short messages holding hashes, addresses, tickers, networks,
  amounts or order ids (21 per language with words, 6 with none: a bare address, "ok",
  "USDT TRC20"), written on 2026-12-03 by a helper who never saw the identifier's data and
  scored once: language with and without the locale hint, against raw langdetect; the
  word-free ones must keep the conversation's language;
- zh_script_pairs.jsonl: 60 pairs, the same request in mainland Simplified and in
  Taiwanese Traditional wording: does the pair get the same intent and the same FAQ entry?

    .venv/bin/python -m bench.fresh_heldout [--models DIR]

`--models`: score a kept model (a "before") instead of models/.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from langdetect import DetectorFactory

from bench.common import ROOT, dump, machine, script_pairs, urgency_figures
from bench.language_id import raw_langdetect
from bot.config import load_settings
from bot.nlu.language import LanguageIdentifier
from bot.nlu.pipeline import NLU
from bot.nlu.understanding import ParseContext

FOLDER = ROOT / "eval_data" / "fresh_2026_12"


def _rows(*names: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in names:
        for line in (FOLDER / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _heldout(nlu: NLU) -> dict[str, Any]:
    rows = _rows("heldout_latin.jsonl", "heldout_asia_east.jsonl")
    results = nlu.parse_many([(row["text"], None, None, None) for row in rows])
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    intent = lang = 0
    for row, result in zip(rows, results, strict=True):
        right = result.intent == row["intent"]
        per[row["lang"]][0] += right
        per[row["lang"]][1] += 1
        intent += right
        lang += result.lang == row["lang"]
    n = len(rows)
    return {"n": n, "intent": _share(intent, n), "lang": _share(lang, n),
            **urgency_figures([row["urgency"] for row in rows],
                              [result.urgency for result in results]),
            "intent_per_lang": {k: _share(*v) for k, v in sorted(per.items())}}


def _short(languages: LanguageIdentifier) -> dict[str, Any]:
    rows = [row for row in _rows("short_lang_latin.jsonl", "short_lang_asia_east.jsonl")
            if row.get("lang")]
    plain = sum(languages.identify(row["text"]).lang == row["lang"] for row in rows)
    hinted = sum(languages.identify(row["text"], row["lang"]).lang == row["lang"]
                 for row in rows)
    return {"n": len(rows), "no_hint": _share(plain, len(rows)),
            "with_locale_hint": _share(hinted, len(rows))}


def _short_tokens(languages: LanguageIdentifier) -> dict[str, Any]:
    DetectorFactory.seed = 0
    rows = _rows("short_lang_tokens.jsonl")
    worded = [row for row in rows if row["kind"] == "language"]
    free = [row for row in rows if row["kind"] == "language_free"]
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    plain = hinted = raw = 0
    for row in worded:
        right = languages.identify(row["text"]).lang == row["lang"]
        plain += right
        per[row["lang"]][0] += right
        per[row["lang"]][1] += 1
        hinted += languages.identify(row["text"], row["lang"]).lang == row["lang"]
        raw += raw_langdetect(row["text"]) == row["lang"]
    kept = sum(languages.identify(row["text"], None, row["conversation_lang"]).lang
               == row["conversation_lang"] for row in free)
    return {"n_with_words": len(worded), "no_hint": _share(plain, len(worded)),
            "with_locale_hint": _share(hinted, len(worded)),
            "raw_langdetect": _share(raw, len(worded)),
            "no_hint_per_lang": {k: _share(*v) for k, v in sorted(per.items())},
            "n_word_free": len(free),
            "word_free_keep_conversation_lang": _share(kept, len(free))}


def _pairs(nlu: NLU) -> dict[str, Any]:
    pairs = script_pairs(_rows("zh_script_pairs.jsonl"))
    context = ParseContext()
    same_intent = same_faq = both_right = 0
    for pair in pairs:
        hans = nlu.parse(pair["Hans"]["text"], context)
        hant = nlu.parse(pair["Hant"]["text"], context)
        same_intent += hans.intent == hant.intent
        top = [r.faq_hits[0].entry_id if r.faq_hits else None for r in (hans, hant)]
        same_faq += top[0] == top[1]
        both_right += (hans.intent == pair["Hans"]["intent"]
                       and hant.intent == pair["Hant"]["intent"])
    n = len(pairs)
    return {"pairs": n, "same_intent": _share(same_intent, n),
            "same_top_faq": _share(same_faq, n), "both_right": _share(both_right, n)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, help="score these models (default: shipped)")
    args = parser.parse_args()
    settings = load_settings(ROOT / "config.yml")
    nlu = NLU.load(settings, args.models, check_fresh=args.models is None)
    dump({"machine": machine(), "heldout": _heldout(nlu),
          "short_messages": _short(nlu.languages),
          "short_messages_with_tokens": _short_tokens(nlu.languages),
          "zh_script_pairs": _pairs(nlu)})


if __name__ == "__main__":
    main()
