"""Scam posts in public groups, measured on posts written by helpers who never saw
safety_data/scam/ or the detector.

holdout9_scam_posts.jsonl (the default): 1,440 posts (12 languages x 30 scam + 90
chatter; half of the chatter an ordinary day, half hard look-alikes: warnings naming the
fake handle, moderators' genuine notices, victims' stories, quoted scam DMs asked about,
official promotions described, "is this airdrop legit?", jokes, members posting their own
address for a friend), written on 2026-12-04 by two helpers (en de fr es it pt; ru tr zh
ja ko vi) who never saw /work or the earlier sets. holdout8_scam_posts.jsonl (`--set 8`)
and holdout7 (`--set 7`), written the same way, were scored as held-out sets and are
training data since 0.10.5 and 0.10.3 (safety_data/scam/round9_*.yml, round8_*.yml), like
the six sets before them (round3_* to round7_*).

Target (issue 11): recall >= 95% with false warnings <= 1%. Also prints the latency of one
check (embedding included), median and p99.

    .venv/bin/python -m bench.scam_posts [--set 9|8|7] [--model models] [--failures]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict

import numpy as np

from bench.common import ROOT, bench_settings, dump, machine

SUITES = ROOT / "eval_data" / "safety"


def main() -> None:
    from bot.nlu.pipeline import NLU

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models")
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--set", type=int, default=10, choices=(7, 8, 9, 10),
                        help="the blind set to score (7 to 9 are training data now)")
    args = parser.parse_args()
    suite = SUITES / f"holdout{args.set}_scam_posts.jsonl"
    nlu = NLU.load(bench_settings(None), args.model, check_fresh=False)
    cases = [json.loads(line) for line in suite.read_text(encoding="utf-8")
             .splitlines()
             if line.strip()]
    per_lang: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    latencies, failures = [], []
    for case in cases:
        started = time.perf_counter()
        warned = nlu.scam_post(case["text"])
        latencies.append((time.perf_counter() - started) * 1000)
        scam = case["label"] == "scam"
        counts = per_lang[case["lang"]]
        counts["scam" if scam else "chatter"] += 1
        counts["caught" if scam and warned else "false" if warned and not scam else "ok"] += 1
        if warned != scam:
            failures.append(case)
    scams = sum(c["scam"] for c in per_lang.values())
    chatter = sum(c["chatter"] for c in per_lang.values())
    report = {
        "machine": machine(), "model": args.model, "suite": suite.name,
        "posts": len(cases),
        # The cut applied: safety.scam_cut when set, else the one chosen in training.
        "cut": (nlu.settings.safety.scam_cut if nlu.settings.safety.scam_cut is not None
                else None if nlu.scam_posts is None else nlu.scam_posts.cut),
        "trained_cut": None if nlu.scam_posts is None else nlu.scam_posts.cut,
        "recall": round(sum(c["caught"] for c in per_lang.values()) / scams, 4),
        "false_warnings": round(sum(c["false"] for c in per_lang.values()) / chatter, 4),
        "per_language": {lang: {"recall": round(c["caught"] / c["scam"], 3),
                                "false_warnings": round(c["false"] / c["chatter"], 3)}
                         for lang, c in sorted(per_lang.items())},
        # Which kinds of post were judged wrong (the writers' own categories).
        # Set 10 says which chatter is an ordinary day and which a look-alike.
        "false_warnings_by_group": {
            group: round(sum(1 for c in failures if c["label"] != "scam"
                             and c.get("group") == group)
                         / sum(1 for c in cases if c.get("group") == group), 4)
            for group in ("ordinary", "lookalike")
            if any(c.get("group") == group for c in cases)},
        "errors_by_kind": dict(Counter(f"{case['label']}:{case.get('kind', '?')}"
                                       for case in failures).most_common()),
        "latency_ms": {"p50": round(float(np.percentile(latencies, 50)), 2),
                       "p99": round(float(np.percentile(latencies, 99)), 2)},
    }
    if args.failures:
        report["failures"] = failures
    dump(report)


if __name__ == "__main__":
    main()
