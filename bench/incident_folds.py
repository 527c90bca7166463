"""The incident detector's settings compared leave-one-set-out on the spent blind sets.

Each of holdout2, holdout3 and holdout4 (eval_data/safety/, written blind, scored once,
training data since 0.10.3 as safety_data/incidents/spent_holdout*.yml) is scored by a
detector trained on everything else: the shipped incident data without any spent set,
plus the other two (or none, with --without-spent). The cut is chosen on the dev part
exactly as bench/safety_cut.py does (every dev incident caught, then one 0.05 step
lower), counting a pasted secret as P1. Prints P1 recall and false-P1 rate per fold, and
the false-P1 rate at the cut that would catch 97% of the fold's incidents (how well the
scores rank, whatever the cut). The spent sets, not the regularisation, are what
halved the false P1s (compare --without-spent); `safety.incident_C` 4 and 8 are level.
The neighbours' vote (`safety.incident_neighbour_weight`) was chosen here too.

    .venv/bin/python -m bench.incident_folds [--C 8 4] [--neighbour-weight 0 0.5]
                                             [--margin 0.05 0.1] [--without-spent]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT, bench_settings, dump, machine
from bench.safety_secrets import read_suite

SUITES = ROOT / "eval_data" / "safety"
FOLDS = ("holdout2", "holdout3", "holdout4")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, nargs="+", default=[4.0])
    parser.add_argument("--neighbour-weight", type=float, nargs="+", default=[0.0, 0.5],
                        help="the weight of the nearest messages' vote (0: linear only)")
    parser.add_argument("--margin", type=float, nargs="+", default=[0.05],
                        help="how far below the highest all-dev-incidents cut to cut")
    parser.add_argument("--without-spent", action="store_true",
                        help="train each fold on the shipped data alone")
    args = parser.parse_args()
    from bot.nlu.chinese_script import one_script
    from bot.nlu.incidents import NOT_INCIDENT, TAKEOVER, IncidentDetector, floor
    from bot.nlu.pipeline import NLU
    from bot.nlu.training import TrainingData, incident_training_set, shipped_data
    from bot.nlu.understanding import ParseContext

    settings = bench_settings(None)
    nlu = NLU.load(settings, str(ROOT / "models"), check_fresh=False)
    data = shipped_data(settings)
    own = [e for e in data.incidents
           if not Path(e.source.rsplit(":", 1)[0]).name.startswith("spent_")]
    base_texts, base_labels = incident_training_set(
        TrainingData(data.examples, data.faq, data.fingerprint, own))
    base_texts = [one_script(text) for text in base_texts]

    def encode(texts: list[str]) -> np.ndarray:
        return np.concatenate([nlu.embedder.encode(texts[i:i + 64])
                               for i in range(0, len(texts), 64)])

    suites: dict[str, dict[str, Any]] = {}
    for name, file, split in [("dev", "incidents.jsonl", "dev"),
                              *[(fold, f"{fold}_incidents.jsonl", fold) for fold in FOLDS]]:
        cases = read_suite(SUITES / file, split)
        prepared = [nlu._prepare(case["text"], ParseContext(), None, None) for case in cases]
        texts = [item.readable for item in prepared]
        suites[name] = {"texts": texts, "vectors": encode(texts),
                        "secret": np.array([bool(item.secrets) for item in prepared]),
                        "ruled": np.array([floor(text) is not None for text in texts]),
                        "p1": np.array([case["p1"] for case in cases])}
    base_vectors = encode(base_texts)

    def flagged(detector: IncidentDetector, suite: dict[str, Any],
                cut: float) -> tuple[np.ndarray, np.ndarray]:
        scores = detector.incident_probability(suite["texts"], suite["vectors"])
        return np.asarray(suite["secret"] | (scores >= cut)
                          | (suite["ruled"] & (scores >= cut / 2))), scores

    results: list[dict[str, Any]] = []
    for c, weight in [(c, w) for c in args.C for w in args.neighbour_weight]:
        for fold in FOLDS:
            texts, labels, vectors = list(base_texts), list(base_labels), [base_vectors]
            for other in ([] if args.without_spent else [f for f in FOLDS if f != fold]):
                suite = suites[other]
                texts += suite["texts"]
                labels += [TAKEOVER if p1 else NOT_INCIDENT for p1 in suite["p1"]]
                vectors.append(suite["vectors"])
            detector = IncidentDetector(settings.safety.model_copy(update={
                "incident_C": c, "incident_neighbour_weight": weight}))
            detector.fit_once(texts, np.concatenate(vectors), labels)
            dev = suites["dev"]
            chosen = 0.05
            for cut in np.round(np.arange(0.05, 0.96, 0.05), 2):
                if flagged(detector, dev, float(cut))[0][dev["p1"]].all():
                    chosen = float(cut)
            test = suites[fold]
            for margin in args.margin:
                cut = max(0.05, round(chosen - margin, 2))
                p1, scores = flagged(detector, test, cut)
                ranked = np.where(test["secret"], 1.0, scores)
                positives = np.sort(ranked[test["p1"]])
                at_97 = positives[int(np.floor(0.03 * len(positives)))]
                results.append({
                    "C": c, "neighbour_weight": weight, "margin": margin, "fold": fold,
                    "cut": cut, "p1": int(test["p1"].sum()),
                    "caught": int(p1[test["p1"]].sum()), "routine": int((~test["p1"]).sum()),
                    "false_p1": int(p1[~test["p1"]].sum()),
                    "p1_recall": round(float(p1[test["p1"]].mean()), 4),
                    "false_p1_rate": round(float(p1[~test["p1"]].mean()), 4),
                    "false_p1_at_97_recall": round(
                        float((ranked[~test["p1"]] >= at_97).mean()), 4),
                })
                print(json.dumps(results[-1]), flush=True)
    pooled: dict[str, dict[str, float]] = {}
    for row in results:
        key = f"C {row['C']} · vote {row['neighbour_weight']} · margin {row['margin']}"
        totals = pooled.setdefault(key, {"p1": 0, "caught": 0, "routine": 0, "false_p1": 0})
        for field in totals:
            totals[field] += row[field]
    for key, totals in pooled.items():
        print(f"{key}: P1 recall {totals['caught'] / totals['p1']:.1%}, "
              f"false P1 {totals['false_p1'] / totals['routine']:.1%} (all three folds)")
    dump({"machine": machine(), "with_other_spent_sets": not args.without_spent,
          "folds": results})


if __name__ == "__main__":
    main()
