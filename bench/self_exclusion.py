"""The self-exclusion rule (bot/nlu/self_exclusion.py) on the messages its three code
reviews wrote to break it (eval_data/safety/self_exclusion_review.jsonl, 0.11.20; spent:
the rule was built against them), through the whole understanding step (NLU.parse):

- takeover: someone else in the account, told with habit words and a freeze request;
  each must stay P1 (a P2 self-exclusion would lose the page);
- self_exclusion: a trader asking to be kept out of trading because of their own habit;
  counted as a person at P2 (the flag), a P1 page (a person too, but paged) or no one;
- routine: habit and restriction words in a question, an opinion, someone else's habit.

    .venv/bin/python -m bench.self_exclusion [--models DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.common import ROOT, dump, machine, shipped_or_kept
from bot.nlu.pipeline import NLU
from bot.nlu.triage import SELF_EXCLUSION

CASES = ROOT / "eval_data" / "safety" / "self_exclusion_review.jsonl"


def score(nlu: NLU, rows: list[dict[str, Any]]) -> dict[str, Any]:
    tally: dict[str, dict[str, int]] = {}
    wrong: list[dict[str, str]] = []
    for row in rows:
        understood = nlu.parse(row["text"])
        flagged = understood.has(SELF_EXCLUSION)
        outcome = ("self_exclusion_p2" if flagged else
                   "p1" if understood.urgency == "P1" else "no_person")
        kind = tally.setdefault(row["kind"], {})
        kind[outcome] = kind.get(outcome, 0) + 1
        if (row["kind"] == "takeover" and outcome != "p1") or (
                row["kind"] == "routine" and outcome != "no_person"):
            wrong.append({"kind": row["kind"], "outcome": outcome, "text": row["text"]})
    return {"counts": tally, "wrong": wrong}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, help="score these models (default: shipped)")
    nlu = shipped_or_kept(parser.parse_args().models)
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    dump({"machine": machine(), "cases": len(rows), **score(nlu, rows)})


if __name__ == "__main__":
    main()
