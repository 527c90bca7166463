"""The first messages a freshly started process reads: with and without the start-up
warm-up (bot/nlu/warm_up.py).

Each run is a new process that loads models/ with a server process's threads and then
reads five takeover reports (`bench.api_turns`'s, one per language, none of them among the
warm-up messages), timing each; with `warm` it first calls warm_up() as a server process
does since 0.11.15. Runs
alternate between the two, so that the machine's noise falls on both alike.

    .venv/bin/python -m bench.first_message [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

import numpy as np

from bench.api_turns import INCIDENTS
from bench.common import ROOT, bench_settings, dump, machine


def child(warm: bool) -> None:
    from bot.nlu.pipeline import NLU
    from bot.nlu.warm_up import warm_up
    from bot.server.runner import share_cores

    # With the embedders' threads a server process gets (bot.server.runner.share_cores).
    settings = share_cores(bench_settings(None), workers=1)
    nlu = NLU.load(settings, ROOT / "models", check_fresh=False)
    warm_seconds = warm_up(nlu) if warm else 0.0
    timings = []
    for text in INCIDENTS:
        begin = time.perf_counter()
        nlu.parse(text)
        timings.append((time.perf_counter() - begin) * 1000)
    print(json.dumps({"warm_up_s": warm_seconds, "ms": timings}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="processes per setting")
    parser.add_argument("--child", choices=("cold", "warm"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child == "warm")
        return
    results: dict[str, list[dict[str, Any]]] = {"cold": [], "warm": []}
    for _ in range(args.runs):
        for setting in ("cold", "warm"):
            done = subprocess.run([sys.executable, "-m", "bench.first_message", "--child",
                                   setting], capture_output=True, text=True, cwd=ROOT,
                                  check=True)
            results[setting].append(json.loads(done.stdout.strip().splitlines()[-1]))

    def summary(runs: list[dict[str, Any]]) -> dict[str, object]:
        first = np.array([run["ms"][0] for run in runs])
        rest = np.array([ms for run in runs for ms in run["ms"][1:]])
        return {"processes": len(runs),
                "first_report_ms": {"median": round(float(np.median(first)), 1),
                                    "max": round(float(first.max()), 1)},
                "next_four_ms": {"median": round(float(np.median(rest)), 1),
                                 "max": round(float(rest.max()), 1)},
                "warm_up_s_median": round(float(np.median(
                    [run["warm_up_s"] for run in runs])), 2)}

    dump({"benchmark": "first takeover reports read by a new process (NLU.parse)",
          "without_warm_up": summary(results["cold"]),
          "with_warm_up": summary(results["warm"]), "machine": machine()})


if __name__ == "__main__":
    main()
