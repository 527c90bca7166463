"""The three promises, measured on the adversarial suites of eval_data/safety/.

- incidents.jsonl: P1 messages (takeovers, credentials or funds given away) and routine
  messages written to look alarming, in 12 languages, each through the whole
  understanding step (NLU.parse): P1 recall, false-P1 rate.
- secrets.jsonl: pasted secrets in every format, and harmless look-alikes, each through
  the secrets scanner as a conversation would run it (a withheld tail carried to the next
  message): secret recall, partial leaks, look-alikes wrongly redacted, TXIDs kept.

Both suites were written by helpers who never saw the detectors or the training data.
Each row has a `split`: "dev" (two thirds, used while building the detectors) and
"holdout" (one third, scored once at the end of the fifth session's first round).
holdout2_*.jsonl were written afresh after that round, by two more helpers, and scored
once at the end of the second; holdout3_*.jsonl, holdout4_*.jsonl and holdout5_*.jsonl
(four more helpers each, 2026-12-03) likewise after the third, fourth and fifth;
holdout6-8 (incidents; holdout7-8 secrets too) after each later round; holdout9 and
holdout10 (secrets only, 2026-12-06) before and after 0.11.16's scanner changes;
holdout11-14 (incidents only, 2026-12-06): 11 scored on 0.11.16 only, 12 on 0.11.16 and
round 38's model, 13 and 14 on 0.11.16 and 0.11.17, 11-13 then incident-only rounds
39/41/42 (safety_data/incidents/round39|41|42_*.yml); holdout15-16 (incidents only,
2026-12-06, thirty-fourth session) on 0.11.17 and on rules not shipped, then read, then
incident-only round 43; holdout17 (thirty-fifth session) on 0.11.18 and round 44's model,
then round 45; holdout18 on 0.11.18, round 44's and 0.11.19's models, then read, then
round 46; holdout19 (thirty-sixth session) on 0.11.19 and 0.11.20, then round 47;
holdout20 (thirty-seventh) on 0.11.20 and round 47's model, then read, then round 48;
holdout21 (thirty-eighth) on 0.11.21, round 48's model and 0.11.22, then read, then round
49; holdout22 (thirty-ninth) on 0.11.22 and round 49's model, then read, then round 50;
holdout23 (fortieth) on 0.11.23, then read, then round 51; holdout24 (fortieth, look-alikes
written with the scariest words) on 0.11.23 and round 51's model, then read, then round 52;
holdout25 (forty-first, typos, slang, code-switching and consequences only) on 0.11.24,
then read, then round 53; holdout26 (forty-first, short and side-effect-only reports, the
account's own mechanisms as look-alikes) on 0.11.24 and round 53's model, then read, then
round 54; holdout27 (same brief) on 0.11.24 and 0.11.25, then read (forty-second
session), then round 55; holdout28 (forty-second) on 0.11.25, then read, then round 55;
holdout29 (notifications of the trader's own changes) on 0.11.25 and round 55's model,
then read, then round 56; holdout30 (same brief) on 0.11.25 and 0.11.26, then read
(forty-third session), then round 57; holdout31 (emergencies told indirectly, look-alikes
that talk about security) on 0.11.26, then read, then round 57; holdout32 (same brief) on
0.11.26 and round 57's model, then read, then round 58; holdout33 (same brief) on 0.11.26
and 0.11.27, then read (forty-fourth session), then round 59; holdout34 (noisy and
adversarial wording: code-switching, emoji, shouting, slang, burying, Telegram groups,
pasted notices) on 0.11.27 and round 59's model, then read, then round 60; holdout35
(same brief) on 0.11.27, round 59's model and 0.11.28, then read (forty-fifth session),
then round 61; holdout36 (indirect wording, scripts typed in Latin letters, elderly and
formal writers, replies in mid-conversation, hypotheticals) on 0.11.28 and round 61's
model, then read, then round 62; holdout37 (same brief) on 0.11.28, round 61's model and
0.11.29, then read (forty-sixth session), then round 63; holdout38 (phone-typed chat:
dictation, typos, pasted notices, screenshots described, relatives writing) on 0.11.29,
then read, then round 64; holdout39 (time, person and certainty decide: whose act, now or
settled, hedged, calm or ranting, strong words about something else) on 0.11.29 and
0.11.30, scored, not read and not trained on. Since
0.10.3 the incident messages of holdout2-5, and of each later set once scored, are
training data of the detector (safety_data/incidents/spent_holdout*.yml): their incident
figures are no held-out figures any more; their secret cases still are regression
checks. Figures per split, per language, per category.

    .venv/bin/python -m bench.safety [--split dev|holdout|holdout2|...|holdout39|all]
                                     [--model models] [--failures]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from typing import Any

from bench.common import ROOT, bench_settings, dump, machine
from bench.safety_secrets import read_suite, score_secrets

SUITES = ROOT / "eval_data" / "safety"


def score_incidents(cases: list[dict[str, Any]], nlu: Any) -> dict[str, Any]:
    from bot.nlu.understanding import ParseContext

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    failures = []
    latencies = []
    for case in cases:
        understanding = nlu.parse(case["text"], ParseContext())
        latencies.append(understanding.latency_ms)
        flagged = understanding.urgency == "P1"
        for key in ("all", f"lang:{case['lang']}", f"category:{case['category']}"):
            if case["p1"]:
                counts[key]["p1"] += 1
                counts[key]["p1_caught"] += flagged
            else:
                counts[key]["routine"] += 1
                counts[key]["false_p1"] += flagged
        if flagged != case["p1"]:
            failures.append({"id": case["id"], "lang": case["lang"], "category": case["category"],
                             "expected_p1": case["p1"], "urgency": understanding.urgency,
                             "incident_score": understanding.incident_score,
                             "intent": understanding.intent})

    def rates(c: dict[str, int]) -> dict[str, Any]:
        return {"p1": c["p1"], "p1_recall": round(c["p1_caught"] / c["p1"], 4) if c["p1"] else None,
                "routine": c["routine"],
                "false_p1_rate": round(c["false_p1"] / c["routine"], 4) if c["routine"] else None}

    ordered = sorted(latencies)
    return {"figures": {key: rates(value) for key, value in sorted(counts.items())},
            "latency_ms": {"p50": ordered[len(ordered) // 2],
                           "p99": ordered[int(0.99 * (len(ordered) - 1))]} if ordered else None,
            "failures": failures}


def scan_walls(scanner: Any, rounds: int = 7) -> dict[str, dict[str, float]]:
    """The scanner on 4,000-character messages made to be slow: walls of wordlist words,
    of Chinese wordlist characters, of hex, of digits, of password cues. Median and worst
    of `rounds`."""
    import random
    from pathlib import Path

    import mnemonic

    folder = Path(mnemonic.__file__).parent / "wordlist"
    rng = random.Random(0)
    english = (folder / "english.txt").read_text().split()
    chinese = (folder / "chinese_simplified.txt").read_text().split()
    walls = {
        "wordlist_words": " ".join(rng.choice(english) for _ in range(800))[:4000],
        "chinese_characters": "".join(rng.choice(chinese) for _ in range(4000)),
        # Chinese prose ending in a Latin word: the withheld-tail check must stay linear.
        "chinese_prose_then_latin": ("我的提币一直没有到账怎么办" * 320)[:3996] + " ok?",
        "hex": "".join(rng.choice("0123456789abcdef") for _ in range(4000)),
        "hex_values": " ".join("".join(rng.choice("0123456789abcdef") for _ in range(64))
                               for _ in range(62))[:4000],
        "six_digit_numbers": " ".join(str(rng.randrange(100_000, 999_999))
                                      for _ in range(600))[:4000],
        "password_cues": ("pw a1 " * 700)[:4000],
    }
    timings = {}
    for name, text in walls.items():
        runs = []
        for _ in range(rounds):
            begun = time.perf_counter()
            scanner.scan(text)
            runs.append((time.perf_counter() - begun) * 1000)
        runs.sort()
        timings[name] = {"median_ms": round(runs[len(runs) // 2], 1),
                         "max_ms": round(runs[-1], 1)}
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The held-out suites are the files that exist (holdoutN_incidents|secrets.jsonl): a new
    # suite needs no edit here.
    written = sorted({path.name.split("_")[0] for path in SUITES.glob("holdout*_*.jsonl")},
                     key=lambda name: int(name.removeprefix("holdout")))
    parser.add_argument("--split", default="dev", choices=("dev", "holdout", *written, "all"))
    parser.add_argument("--model", default=str(ROOT / "models"))
    parser.add_argument("--failures", action="store_true",
                        help="list the cases that failed (never look at them for holdout)")
    args = parser.parse_args()
    from bot.nlu.pipeline import NLU

    started = time.perf_counter()
    nlu = NLU.load(bench_settings(None), args.model, check_fresh=False)
    prefix = f"{args.split}_" if args.split not in ("dev", "holdout", "all") else ""
    # holdout6 has incident messages only, holdout9 secrets only.
    incident_suite = SUITES / f"{prefix}incidents.jsonl"
    incidents = (score_incidents(read_suite(incident_suite, args.split), nlu)
                 if incident_suite.exists() else {"failures": []})
    secret_suite = SUITES / f"{prefix}secrets.jsonl"
    secrets = (score_secrets(read_suite(secret_suite, args.split), nlu.secrets)
               if secret_suite.exists() else {"figures": {}, "failures": []})
    report: dict[str, Any] = {
        "machine": machine(), "split": args.split, "model": args.model,
        "incidents": {k: v for k, v in incidents.items() if k != "failures"},
        "secrets": {k: v for k, v in secrets.items() if k != "failures"},
        "scan_4000_characters": scan_walls(nlu.secrets),
        "seconds": round(time.perf_counter() - started, 1),
    }
    if args.failures:
        report["incident_failures"] = incidents["failures"]
        report["secret_failures"] = secrets["failures"]
    dump(report)


if __name__ == "__main__":
    main()
