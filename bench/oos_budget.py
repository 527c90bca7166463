"""The out-of-scope budget (`classifier.oos_max_accuracy_drop`, `novelty_budget`) compared
by leaving each calibration set out in turn.

The classifier's fit does not depend on the calibration sets (they only set the
temperature and the two cuts), so one trained model serves every turn: for each budget,
calibrate on all sets but one (`IntentClassifier.calibrate`, as `supportbot train` does),
then score the left-out set on the classifier's own decision (its top intent, or
out_of_scope below either cut). Means of the turns: intent accuracy with out_of_scope as
a class, out-of-scope recall and precision. The pipeline's other rules (a request for a
person, a message without words) are not applied: this compares budgets, it is not a
fresh-set figure. No set reported as blind is read.

    .venv/bin/python -m bench.oos_budget [--models DIR] [--budgets 0.005:0.0025 0.01:0.005]
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT, dump, machine
from bot.config import load_settings
from bot.knowledge.calibration_sets import calibration_files, read_calibration_sets
from bot.nlu.embeddings import encode_in_batches
from bot.nlu.model_text import model_text
from bot.nlu.pipeline import NLU
from bot.taxonomy import ALL_INTENTS, OUT_OF_SCOPE

BUDGETS = ("0.005:0.0025", "0.006:0.003", "0.01:0.005", "0.01:0", "0.015:0.0075", "0.02:0.01")


def _scores(predicted: list[str], expected: list[str]) -> tuple[float, float, float]:
    hits = sum(p == e == OUT_OF_SCOPE for p, e in zip(predicted, expected, strict=True))
    truly = sum(e == OUT_OF_SCOPE for e in expected)
    said = sum(p == OUT_OF_SCOPE for p in predicted)
    accuracy = float(np.mean([p == e for p, e in zip(predicted, expected, strict=True)]))
    return accuracy, hits / truly if truly else 0.0, hits / said if said else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, help="default: the shipped models/")
    parser.add_argument("--budgets", nargs="+", default=list(BUDGETS),
                        help="TOTAL:NOVELTY pairs (the novelty share is part of the total)")
    args = parser.parse_args()
    settings = load_settings(ROOT / "config.yml")
    nlu = NLU.load(settings, args.models, check_fresh=args.models is None)
    classifier = nlu.classifier
    sets: dict[str, tuple[list[str], np.ndarray, list[str]]] = {}
    for pattern in settings.paths.calibration_data:
        examples = read_calibration_sets(calibration_files([pattern]), ALL_INTENTS)
        texts = [model_text(e.text) for e in examples]
        # Batched as `supportbot train` batches its calibration messages: a vector's last
        # bits depend on the batch it was encoded in.
        vectors = encode_in_batches(nlu.embedder, texts, settings.embeddings.batch_size)
        sets[str(Path(pattern).parent.relative_to(ROOT))] = (
            texts, vectors, [e.intent for e in examples])
    if len(sets) < 2:
        raise SystemExit("paths.calibration_data names fewer than two sets: nothing to leave out")
    shipped, calibration = classifier.settings, copy.deepcopy(classifier.calibration)
    rows: list[dict[str, Any]] = []
    for budget in args.budgets:
        total, novelty = (float(part) for part in budget.split(":"))
        turns = []
        for left_out in sets:
            kept = [name for name in sets if name != left_out]
            classifier.settings = shipped.model_copy(
                update={"oos_max_accuracy_drop": total, "novelty_budget": novelty})
            classifier.calibration = copy.deepcopy(calibration)
            classifier.calibrate([t for name in kept for t in sets[name][0]],
                                 np.concatenate([sets[name][1] for name in kept]),
                                 [label for name in kept for label in sets[name][2]])
            texts, vectors, labels = sets[left_out]
            probs = classifier.probabilities(texts, vectors)
            rejected = classifier.out_of_scope(probs, vectors)
            predicted = [OUT_OF_SCOPE if no else classifier.classes[i]
                         for i, no in zip(probs.argmax(axis=1), rejected, strict=True)]
            turns.append((*_scores(predicted, labels), classifier.calibration.threshold))
        means = np.array(turns)[:, :3].mean(axis=0)
        rows.append({"budget": total, "novelty_budget": novelty,
                     "intent": round(float(means[0]), 4),
                     "oos_recall": round(float(means[1]), 4),
                     "oos_precision": round(float(means[2]), 4),
                     "confidence_cuts": [round(float(t[3]), 4) for t in turns]})
    classifier.settings, classifier.calibration = shipped, calibration
    dump({"machine": machine(), "sets": {name: len(s[2]) for name, s in sets.items()},
          "budgets": rows})


if __name__ == "__main__":
    main()
