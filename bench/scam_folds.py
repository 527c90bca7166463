"""The scam-post detector compared leave-one-set-out on the spent blind sets.

Each blind set of scam posts was written by helpers who never saw the training data, scored
once as a held-out set, and then became training data (safety_data/scam/round4_* to
round10_*: sets 3 to 9). Here each of them is scored
by a detector trained on everything else: the shipped scam data without that set, plus the
intent examples as chatter, exactly as `supportbot train` builds it. What it prints per
setting, pooled over the folds:

- at the cut the detector chooses in training (`safety.scam_false_alarms` on its own
  held-out fifth): recall and false warnings;
- at fixed cuts 0.40-0.90: `safety.scam_cut` is the one with the most recall whose pooled
  false warnings stay at or under 0.8% (the target is 1%);
- the ranking, whatever the cut: recall where the pooled false warnings are 1% and 2%,
  and false warnings where recall is 95%.

No evaluation set that is still fresh is read: a setting chosen here is then scored once
on the newest blind set with `bench.scam_posts`.

    .venv/bin/python -m bench.scam_folds [--C 16 4] [--false-alarms 0.008]
                                         [--folds round8_ round9_ round10_]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT, bench_settings, dump, machine

SUITES = ROOT / "eval_data" / "safety"
FOLDS = ("round4_", "round5_", "round6_", "round7_", "round8_", "round9_", "round10_")


def _at_false_rate(scam: np.ndarray, chatter: np.ndarray, rate: float) -> float:
    """Recall at the lowest cut that keeps at most `rate` of the chatter above it."""
    ordered = np.sort(chatter)[::-1]
    allowed = int(np.floor(rate * len(ordered)))
    cut = ordered[allowed] if allowed < len(ordered) else -np.inf
    return float((scam > cut).mean())


def _false_at_recall(scam: np.ndarray, chatter: np.ndarray, recall: float) -> float:
    ordered = np.sort(scam)
    cut = ordered[int(np.floor((1 - recall) * len(ordered)))]
    return float((chatter >= cut).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, nargs="+", default=[16.0])
    parser.add_argument("--false-alarms", type=float, nargs="+", default=[0.008])
    parser.add_argument("--folds", nargs="+", default=list(FOLDS))
    args = parser.parse_args()
    from bot.knowledge.nlu_examples import Example
    from bot.nlu.chinese_script import one_script
    from bot.nlu.embeddings import build_embedder
    from bot.nlu.pipeline import clean_text
    from bot.nlu.scam_posts import GROUP_CHATTER, SCAM_POST, ScamPostDetector
    from bot.nlu.training import TrainingData, scam_training_set, shipped_data

    settings = bench_settings(None)
    data = shipped_data(settings)
    embedder = build_embedder(settings.embeddings)
    cache: dict[str, np.ndarray] = {}

    def encode(texts: list[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in cache})
        for i in range(0, len(missing), 64):
            batch = missing[i:i + 64]
            cache.update(zip(batch, embedder.encode(batch), strict=True))
        return np.stack([cache[t] for t in texts])

    def fold_of(source: str) -> str | None:
        name = Path(source.rsplit(":", 1)[0]).name
        return next((f for f in args.folds if name.startswith(f)), None)

    # A set not yet in the training data (`--folds ... holdout10`) is read as if it were,
    # so that every fold is scored by a detector trained on all the other sets.
    posts = list(data.scam_posts)
    for fold in args.folds:
        if fold.startswith("holdout"):
            suite = SUITES / f"{fold}_scam_posts.jsonl"
            for number, line in enumerate(suite.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    case = json.loads(line)
                    posts.append(Example(case["text"], SCAM_POST if case["label"] == "scam"
                                         else GROUP_CHATTER, f"{suite.name}:{number}"))
    held: dict[str, tuple[list[str], np.ndarray]] = {}
    for fold in args.folds:
        mine = [e for e in posts if fold_of(e.source) == fold]
        held[fold] = ([one_script(clean_text(e.text)[: settings.limits.max_message_chars])
                       for e in mine], np.array([e.intent == SCAM_POST for e in mine]))

    results: list[dict[str, Any]] = []
    for c in args.C:
        for false_alarms in args.false_alarms:
            pooled: dict[str, list[np.ndarray]] = {"scam": [], "chatter": []}
            caught = warned = scams = chatter = 0
            per_fold = {}
            for fold in args.folds:
                own = [e for e in posts if fold_of(e.source) != fold]
                texts, labels, remembered = scam_training_set(TrainingData(
                    data.examples, data.faq, data.fingerprint, [], own))
                texts = [one_script(t) for t in texts]
                detector = ScamPostDetector(false_alarms, c)
                detector.fit(texts, encode(texts), labels, remembered)
                test_texts, is_scam = held[fold]
                scores = detector.probability(test_texts, encode(test_texts))
                flagged = scores >= detector.cut
                pooled["scam"].append(scores[is_scam])
                pooled["chatter"].append(scores[~is_scam])
                caught += int(flagged[is_scam].sum())
                warned += int(flagged[~is_scam].sum())
                scams += int(is_scam.sum())
                chatter += int((~is_scam).sum())
                per_fold[fold] = {"cut": round(detector.cut, 4),
                                  "recall": round(float(flagged[is_scam].mean()), 4),
                                  "false_warnings": round(float(flagged[~is_scam].mean()), 4)}
                print(json.dumps({"C": c, "fold": fold, **per_fold[fold]}), file=sys.stderr,
                      flush=True)
            scam_scores = np.concatenate(pooled["scam"])
            chatter_scores = np.concatenate(pooled["chatter"])
            results.append({
                "C": c, "false_alarms": false_alarms, "per_fold": per_fold,
                "at_chosen_cut": {"recall": round(caught / scams, 4),
                                  "false_warnings": round(warned / chatter, 4)},
                "recall_at_false_1pct": round(_at_false_rate(scam_scores, chatter_scores,
                                                             0.01), 4),
                "recall_at_false_2pct": round(_at_false_rate(scam_scores, chatter_scores,
                                                             0.02), 4),
                "false_at_recall_95pct": round(_false_at_recall(scam_scores, chatter_scores,
                                                                0.95), 4),
                "at_fixed_cuts": {
                    f"{cut:.3f}": {"recall": round(float((scam_scores >= cut).mean()), 4),
                                   "false_warnings": round(float(
                                       (chatter_scores >= cut).mean()), 4)}
                    for cut in np.arange(0.40, 0.91, 0.025)},
                "posts": {"scam": scams, "chatter": chatter},
                "labels": [SCAM_POST, GROUP_CHATTER],
            })
    dump({"machine": machine(), "folds": args.folds, "results": results})


if __name__ == "__main__":
    main()
