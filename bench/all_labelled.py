"""Every labelled message under eval_data/ (all sets, spent and calibration ones alike),
read by one or more models: the regression check a change to data or models gets.

Not a held-out figure: most of these sets are spent, some set the classifier's cuts.
It answers "did anything that used to work break?": intent accuracy, P1 recall, the
false-P1 rate and out-of-scope recall and precision, per model side by side, and with
two models the messages one got right and the other wrong.

    .venv/bin/python -m bench.all_labelled [--models DIR ...] [--changed]
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench.common import ROOT, dump, machine
from bot.config import load_settings

OUT_OF_SCOPE = "out_of_scope"


def labelled() -> list[tuple[str, dict[str, Any]]]:
    """(file relative to eval_data/, row) for every row with a text and an intent."""
    rows = []
    for path in sorted((ROOT / "eval_data").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if "text" in row and "intent" in row:
                    rows.append((path.relative_to(ROOT / "eval_data").as_posix(), row))
    return rows


def score(rows: list[tuple[str, dict[str, Any]]], intents: list[str],
          urgencies: list[str]) -> dict[str, object]:
    wanted = [row["intent"] for _, row in rows]
    right = sum(want == got for want, got in zip(wanted, intents, strict=True))
    oos_wanted = sum(want == OUT_OF_SCOPE for want in wanted)
    oos_said = sum(got == OUT_OF_SCOPE for got in intents)
    oos_right = sum(want == got == OUT_OF_SCOPE
                    for want, got in zip(wanted, intents, strict=True))
    # P1 as the sets label it; messages without an urgency label count for neither.
    graded = [(row["urgency"], got) for (_, row), got in zip(rows, urgencies, strict=True)
              if row.get("urgency")]
    p1 = [got for want, got in graded if want == "P1"]
    routine = [got for want, got in graded if want != "P1"]
    return {"messages": len(rows), "intent_right": right,
            "intent_accuracy": round(right / len(rows), 5),
            "p1_caught": f"{p1.count('P1')} of {len(p1)}",
            "false_p1": f"{routine.count('P1')} of {len(routine)}",
            "out_of_scope_recall": f"{oos_right} of {oos_wanted}",
            "out_of_scope_precision": f"{oos_right} of {oos_said}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=[str(ROOT / "models")],
                        help="model folders (default: the shipped models/)")
    parser.add_argument("--changed", action="store_true",
                        help="with two models: list the messages one got right, the other not")
    args = parser.parse_args()
    from bot.nlu.pipeline import NLU

    settings = load_settings(ROOT / "config.yml")
    rows = labelled()
    report: dict[str, object] = {"machine": machine()}
    read: list[list[str]] = []
    for folder in args.models:
        # check_fresh off: an older model (a "before") is scored as it was trained.
        nlu = NLU.load(settings, folder, check_fresh=False)
        understood = nlu.parse_many([(row["text"], None, None, None) for _, row in rows])
        intents = [u.intent for u in understood]
        read.append(intents)
        report[folder] = score(rows, intents, [u.urgency for u in understood])
    if args.changed and len(read) == 2:
        report["changed"] = [
            {"set": name, "intent": row["intent"], "before": old, "after": new,
             "text": row["text"]}
            for (name, row), old, new in zip(rows, read[0], read[1], strict=True)
            if old != new and row["intent"] in (old, new)]
    dump(report)


if __name__ == "__main__":
    main()
