"""Account-emptying reports typed in a panic ("someone got in my acc n wd all my usdt"),
and routine messages typed just as badly: does the first reach P1, and the second not?

eval_data/fresh_2026_12_05u/typos.jsonl: 189 messages, 15–16 per language (half of them
incidents), written by a helper who never opened nlu_data/, safety_data/ or the project.
A report, never a target: nothing is tuned on it.

    .venv/bin/python -m bench.typo_incidents [--models DIR] [--errors]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import ROOT, dump, machine, urgency_figures
from bot.config import load_settings
from bot.nlu.evaluation import wilson_interval
from bot.nlu.pipeline import NLU

SET = ROOT / "eval_data" / "fresh_2026_12_05u" / "typos.jsonl"


def score(nlu: NLU, rows: list[dict[str, Any]], with_errors: bool) -> dict[str, Any]:
    results = nlu.parse_many([(row["text"], None, None, None) for row in rows])
    got: list[str] = [result.urgency for result in results]
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    errors = []
    for row, urgency in zip(rows, got, strict=True):
        counts = per_lang[row["lang"]]
        if row["urgency"] == "P1":
            counts[0] += urgency == "P1"
            counts[1] += 1
        else:
            counts[2] += urgency == "P1"
            counts[3] += 1
        if (row["urgency"] == "P1") != (urgency == "P1"):
            errors.append({"lang": row["lang"], "want": row["urgency"], "got": urgency,
                           "text": row["text"]})
    p1_hits = sum(c[0] for c in per_lang.values())
    p1_n = sum(c[1] for c in per_lang.values())
    report: dict[str, Any] = {
        "n": len(rows), **urgency_figures([row["urgency"] for row in rows], got),
        "p1_recall_ci95": wilson_interval(p1_hits, p1_n),
        "per_lang": {lang: {"p1": f"{c[0]}/{c[1]}", "false_p1": f"{c[2]}/{c[3]}"}
                     for lang, c in sorted(per_lang.items())}}
    if with_errors:
        report["errors"] = errors
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, help="score these models (default: shipped)")
    parser.add_argument("--errors", action="store_true", help="list the misses (spent sets)")
    args = parser.parse_args()
    nlu = NLU.load(load_settings(ROOT / "config.yml"), args.models,
                   check_fresh=args.models is None)
    rows = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    dump({"set": str(SET.relative_to(ROOT)), "machine": machine(),
          **score(nlu, rows, args.errors)})


if __name__ == "__main__":
    main()
