"""Which of an intent's FAQ entries is shown, for each `faq.support` (how many of an
entry's nearest question variants its rank averages):

- left out: every question variant of an intent with two or more entries is searched for
  with itself removed from the index; how often its own entry comes first among its
  intent's entries (what the policy chooses between), per language;
- zh pairs: on the spent Simplified/Traditional pair sets, how often both sides are shown
  the same answer (as `bench.fresh_1204` counts `same_answer_shown`);
- `--entries FILE`: messages labelled with the FAQ entry they need ({"text", "lang",
  "entry", "intent"}), written by helpers who saw what each entry's answer covers but
  never its questions: how often the entry comes first among its intent's entries when
  the intent is known (`first_among_siblings`, entries with siblings only), and how often
  it is the answer the policy shows (`shown`, every message).

    .venv/bin/python -m bench.faq_siblings [--support 1 2 3] [--models DIR]
        [--entries eval_data/faq_entries_2026_12_05/*.jsonl] [--lexical-weight 0 1 4]

The pair sets named below are spent (scored before and after their round, errors read);
a blind set is never added here.
"""

from __future__ import annotations

import argparse
import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT, dump, machine
from bench.fresh_1204 import zh_pairs
from bot.config import FaqSettings, load_settings
from bot.dialogue.policy import answerable_hits
from bot.knowledge.jsonl import text_objects
from bot.nlu.faq_index import FaqIndex
from bot.nlu.pipeline import NLU
from bot.nlu.understanding import ParseContext

SPENT_PAIR_SETS = ("fresh_2026_12_04", "fresh_2026_12_04c", "fresh_2026_12_04f",
                   "fresh_2026_12_04g", "fresh_2026_12_04h")


def _siblings(faq: FaqIndex) -> dict[str, int]:
    """How many FAQ entries each intent has."""
    counts: dict[str, int] = defaultdict(int)
    for entry in faq.entries:
        counts[entry.intent] += 1
    return counts


def left_out(faq: FaqIndex, support: int, settings: FaqSettings) -> dict[str, Any]:
    vectors = faq.index.reconstruct_n(0, faq.index.ntotal)
    questions = FaqIndex.questions(faq.entries)[0]
    siblings = _siblings(faq)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row, (position, lang) in enumerate(faq.rows):
        entry = faq.entries[position]
        if siblings[entry.intent] < 2:
            continue
        keep = np.arange(len(faq.rows)) != row
        # The letter index keeps the vocabulary it was fitted with (the left-out variant's
        # n-grams count in its IDF): refitting it for each of 3,000 variants takes 15 min.
        index = FaqIndex.build(faq.entries, vectors[keep],
                               [r for r, k in zip(faq.rows, keep, strict=True) if k],
                               vectors.shape[1],
                               faq.lexical.without(keep) if faq.lexical is not None else None)
        weight = settings.lexical_weight if lang in settings.lexical_languages else 0.0
        hits = index.search(vectors[row], {entry.intent: 1.0}, top_k=len(faq.entries),
                            intent_weight=settings.intent_weight, support=support,
                            text=questions[row], lexical_weight=weight)
        first = next(hit for hit in hits if hit.intent == entry.intent)
        for key in ("all", lang):
            tally[key][0] += first.entry_id == entry.id
            tally[key][1] += 1
    return {key: round(hit / total, 4) for key, (hit, total) in sorted(tally.items())}


def entry_choice(nlu: NLU, rows: list[dict[str, Any]]) -> dict[str, Any]:
    siblings = _siblings(nlu.faq)
    # Every entry but the last-ranked comes back, so the first hit of the right intent is
    # the sibling the policy would show for that intent.
    wide = nlu.settings.model_copy(
        update={"faq": nlu.settings.faq.model_copy(update={"top_k": 50})})
    narrow, nlu.settings = nlu.settings, wide
    context = ParseContext()
    first: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    shown: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    try:
        for row in rows:
            understood = nlu.parse(row["text"], context)
            answer = next(iter(answerable_hits(understood, narrow.policy)), None)
            for key in ("all", row["lang"]):
                shown[key][0] += answer is not None and answer.entry_id == row["entry"]
                shown[key][1] += 1
            if siblings[row["intent"]] < 2:
                continue
            best = next(hit for hit in understood.faq_hits if hit.intent == row["intent"])
            for key in ("all", row["lang"]):
                first[key][0] += best.entry_id == row["entry"]
                first[key][1] += 1
    finally:
        nlu.settings = narrow
    return {"first_among_siblings": {k: f"{h}/{t} = {h / t:.3f}" for k, (h, t) in
                                     sorted(first.items())},
            "shown": {k: f"{h}/{t} = {h / t:.3f}" for k, (h, t) in sorted(shown.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--support", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--models", type=Path, help="these models (default: shipped)")
    parser.add_argument("--entries", type=Path, nargs="*", default=[],
                        help="entry-labelled messages (JSONL)")
    parser.add_argument("--lexical-weight", type=float, nargs="+",
                        help="faq.lexical_weight values to compare (default: the shipped one)")
    args = parser.parse_args()
    settings = load_settings(ROOT / "config.yml")
    weights = args.lexical_weight or [settings.faq.lexical_weight]
    nlu = NLU.load(settings, args.models, check_fresh=args.models is None)
    report: dict[str, Any] = {"machine": machine(), "shipped_support": settings.faq.support}
    rows = [row for path in args.entries for _, row in
            text_objects(path, '{"text": "..", "lang": "..", "entry": "..", "intent": ".."}')]
    for support, weight in itertools.product(args.support, weights):
        nlu.settings = settings.model_copy(update={"faq": settings.faq.model_copy(
            update={"support": support, "lexical_weight": weight})})
        name = f"support {support}" + (f", lexical {weight}" if len(weights) > 1 else "")
        same = answered = 0
        per_set = {}
        for pair_set in SPENT_PAIR_SETS:
            pairs = zh_pairs(nlu, ROOT / "eval_data" / pair_set)
            shown = round((pairs["same_answer_shown"] or 0) * pairs["pairs_with_faq_answers"])
            same += shown
            answered += pairs["pairs_with_faq_answers"]
            per_set[pair_set] = f"{shown}/{pairs['pairs_with_faq_answers']}"
        report[name] = {
            "zh_pairs_same_answer_shown": round(same / answered, 4), "per_set": per_set,
            "left_out_first_among_siblings": left_out(nlu.faq, support, nlu.settings.faq)}
        if rows:
            report[name]["entries"] = entry_choice(nlu, rows)
    dump(report)


if __name__ == "__main__":
    main()
