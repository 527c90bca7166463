"""The incident detector's settings compared leave-one-set-out on the spent blind sets.

Each of holdout2–holdout8 (eval_data/safety/, written blind, scored as held-out sets:
once, holdout8 before and after round11_*; training data since as
safety_data/incidents/spent_holdout*.yml) is scored by a detector trained on everything
else: the shipped incident data without any spent set, plus the other six (or none,
with --without-spent; --without round8_ also leaves out those files). Two
readings per fold: at the cut chosen on the dev part the old way (every dev incident
caught, then --margin lower; a pasted secret counts as P1), and at fixed cuts 0.2–0.8,
pooled over the folds. Since 0.10.4 `safety.incident_cut` is the highest fixed cut whose
pooled P1 recall is still ≥ 99%: no evaluation set is looked at to choose it (0.10.5's
0.4 was chosen with holdout2–7 as the folds, before holdout8 was spent). Also
prints the false-P1 rate at the cut that would catch 97% of a fold's incidents (how
well the scores rank, whatever the cut). The neighbours' vote
(`safety.incident_neighbour_weight`) and `safety.incident_C` were chosen here too.

    .venv/bin/python -m bench.incident_folds [--C 8 4] [--neighbour-weight 0 0.5]
                                             [--margin 0.05 0.1] [--without-spent]
                                             [--without round8_ round9_]
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
FOLDS = ("holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7",
         "holdout8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, nargs="+", default=[4.0])
    parser.add_argument("--neighbour-weight", type=float, nargs="+", default=[0.0, 0.5],
                        help="the weight of the nearest messages' vote (0: linear only)")
    parser.add_argument("--margin", type=float, nargs="+", default=[0.05],
                        help="how far below the highest all-dev-incidents cut to cut")
    parser.add_argument("--without-spent", action="store_true",
                        help="train each fold on the shipped data alone")
    parser.add_argument("--without", nargs="*", default=[], metavar="PREFIX",
                        help="leave out the shipped incident files whose names start so "
                             "(round8_: what the 0.10.4 training messages bring)")
    args = parser.parse_args()
    from bot.nlu.chinese_script import one_script
    from bot.nlu.incidents import NOT_INCIDENT, TAKEOVER, IncidentDetector, floor
    from bot.nlu.model_text import incident_text
    from bot.nlu.pipeline import NLU
    from bot.nlu.training import TrainingData, incident_training_set, shipped_data
    from bot.nlu.understanding import ParseContext

    settings = bench_settings(None)
    nlu = NLU.load(settings, str(ROOT / "models"), check_fresh=False)
    data = shipped_data(settings)
    left_out = ("spent_", *args.without)
    own = [e for e in data.incidents
           if not Path(e.source.rsplit(":", 1)[0]).name.startswith(left_out)]
    base_texts, base_labels = incident_training_set(
        TrainingData(data.examples, data.faq, data.fingerprint, own))
    # Read as the detector reads them (bot/nlu/model_text.py `incident_text`).
    base_texts = [incident_text(one_script(text)) for text in base_texts]

    def encode(texts: list[str]) -> np.ndarray:
        return np.concatenate([nlu.embedder.encode(texts[i:i + 64])
                               for i in range(0, len(texts), 64)])

    suites: dict[str, dict[str, Any]] = {}
    for name, file, split in [("dev", "incidents.jsonl", "dev"),
                              *[(fold, f"{fold}_incidents.jsonl", fold) for fold in FOLDS]]:
        cases = read_suite(SUITES / file, split)
        prepared = [nlu._prepare(case["text"], ParseContext(), None, None) for case in cases]
        texts = [incident_text(item.readable) for item in prepared]
        suites[name] = {"texts": texts, "vectors": encode(texts),
                        "secret": np.array([bool(item.secrets) for item in prepared]),
                        "ruled": np.array([floor(text) is not None for text in texts]),
                        "p1": np.array([case["p1"] for case in cases])}
    base_vectors = encode(base_texts)

    def flagged(scores: np.ndarray, suite: dict[str, Any], cut: float) -> np.ndarray:
        return np.asarray(suite["secret"] | (scores >= cut)
                          | (suite["ruled"] & (scores >= cut / 2)))

    results: list[dict[str, Any]] = []
    grid = [round(float(c), 2) for c in np.arange(0.2, 0.81, 0.05)]
    at_cut: dict[tuple[float, float], dict[float, np.ndarray]] = {}
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
            dev_scores = detector.incident_probability(dev["texts"], dev["vectors"])
            chosen = 0.05
            for cut in np.round(np.arange(0.05, 0.96, 0.05), 2):
                if flagged(dev_scores, dev, float(cut))[dev["p1"]].all():
                    chosen = float(cut)
            test = suites[fold]
            scores = detector.incident_probability(test["texts"], test["vectors"])
            counts = at_cut.setdefault((c, weight), {cut: np.zeros(4) for cut in grid})
            for cut in grid:
                p1 = flagged(scores, test, cut)
                counts[cut] += [p1[test["p1"]].sum(), test["p1"].sum(),
                                p1[~test["p1"]].sum(), (~test["p1"]).sum()]
            for margin in args.margin:
                cut = max(0.05, round(chosen - margin, 2))
                p1 = flagged(scores, test, cut)
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
              f"false P1 {totals['false_p1'] / totals['routine']:.1%} (all folds)")
    # The same folds at fixed cuts: where the pooled left-out recall stays at 99%.
    pooled_at_cut = []
    for (c, weight), counts in at_cut.items():
        for cut, (caught, p1s, false, routine) in counts.items():
            pooled_at_cut.append({"C": c, "neighbour_weight": weight, "cut": cut,
                                  "p1_recall": round(caught / p1s, 4),
                                  "false_p1_rate": round(false / routine, 4)})
            print(f"C {c} · vote {weight} · cut {cut}: P1 recall {caught / p1s:.1%}, "
                  f"false P1 {false / routine:.1%} (all folds)")
    dump({"machine": machine(), "with_other_spent_sets": not args.without_spent,
          "pooled_at_cut": pooled_at_cut,
          "left_out_files": list(args.without),
          "folds": results})


if __name__ == "__main__":
    main()
