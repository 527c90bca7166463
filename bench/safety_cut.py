"""The incident detector's cut by the rule used until 0.10.3, on the dev part of
eval_data/safety/incidents.jsonl (never its holdout part); kept for comparison. Since
0.10.4 config `safety.incident_cut` comes from the spent blind sets left out in turn
(`python -m bench.incident_folds`), which does not depend on how far one dev message
happens to sit above the others.

The rule: the highest cut (in steps of 0.05) that keeps P1 recall at `--recall`
(default 1.0) on the dev messages, counting a message as P1 exactly as the product does
(a pasted secret, the detector's score at or above the cut, or its rule with the score at
or above half the cut), then `--margin` lower (0.15): the dev incident that sets the
cut sits right above it, and new messages score around and below it. The margin is the
smallest that keeps P1 recall at 99% on messages no dev case resembles: the spent blind
sets, each left out of training in turn (`python -m bench.incident_folds --margin 0.05
0.1 0.15`: 97.5%, 98.5%, 99.0% pooled; it was one 0.05 step before the neighbours'
vote made the scores steeper). A missed takeover costs far more than an agent's look at
a false alarm, so the rule fixes recall and lets the false-P1 rate follow. The training
data's own held-out
cut (`safety.incident_recall`) sits far lower: its positives are written to be hard,
while the dev messages read like real traffic.

    .venv/bin/python -m bench.safety_cut [--recall 0.99] [--model models]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from bench.common import ROOT, bench_settings, dump, machine
from bench.safety_secrets import read_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recall", type=float, default=1.0)
    parser.add_argument("--margin", type=float, default=0.15)
    parser.add_argument("--model", default=str(ROOT / "models"))
    args = parser.parse_args()
    from bot.nlu.incidents import floor
    from bot.nlu.pipeline import NLU

    nlu = NLU.load(bench_settings(None), args.model, check_fresh=False)
    cases = read_suite(ROOT / "eval_data" / "safety" / "incidents.jsonl", "dev")
    parsed = [nlu.parse(case["text"]) for case in cases]
    scores = np.array([u.incident_score for u in parsed])
    secret = np.array([bool(u.secrets) for u in parsed])
    ruled = np.array([floor(u.text) is not None for u in parsed])
    expected = np.array([case["p1"] for case in cases])

    def flagged(cut: float) -> np.ndarray:
        return np.asarray(secret | (scores >= cut) | (ruled & (scores >= cut / 2)))

    table: list[dict[str, Any]] = []
    chosen = None
    for cut in np.round(np.arange(0.05, 0.96, 0.05), 2):
        p1 = flagged(float(cut))
        recall, false_p1 = float(p1[expected].mean()), float(p1[~expected].mean())
        table.append({"cut": float(cut), "p1_recall": round(recall, 4),
                      "false_p1_rate": round(false_p1, 4)})
        if recall >= args.recall:
            chosen = float(cut)
    if chosen is not None:
        chosen = max(0.05, round(chosen - args.margin, 2))
    dump({"machine": machine(), "dev_messages": len(cases), "rule_recall": args.recall,
          "margin": args.margin, "trained_cut": nlu.incidents.cut if nlu.incidents else None,
          "chosen_cut": chosen, "table": table})


if __name__ == "__main__":
    main()
