"""Speed and memory of the understanding step on this machine.

- model load: a fresh process imports the code and loads models/ (cold start of a worker);
- parse latency: every held-out message through the whole NLU.parse, warm, 3 rounds;
- peak RSS of the process with the model loaded and used (its own VmHWM);
- training time of `supportbot train` on the shipped nlu_data + faq_corpus.

    .venv/bin/python -m bench.nlu_speed [--config bench/configs/use_only.yml] [--skip-train]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT, bench_settings, dump, machine


def _peak_rss_mb() -> float:
    """This process's own peak resident set (VmHWM). Not getrusage's ru_maxrss: Linux
    carries that across exec, so a child started by a 1.4 GB training parent reported
    the parent's peak, not its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (needs Linux)")


def child(model: str, config: str | None) -> None:
    started = time.perf_counter()
    from bot.nlu.pipeline import NLU

    settings = bench_settings(config)
    nlu = NLU.load(settings, model, check_fresh=False)
    load_seconds = time.perf_counter() - started

    texts = [json.loads(line)["text"] for line in (ROOT / "eval_data/heldout.jsonl").open()]
    for text in texts[:20]:
        nlu.parse(text)
    timings = []
    for _ in range(3):
        for text in texts:
            begin = time.perf_counter()
            nlu.parse(text)
            timings.append((time.perf_counter() - begin) * 1000)
    rss_mb = _peak_rss_mb()
    data = np.array(timings)
    print(json.dumps({
        "load_seconds": round(load_seconds, 2),
        "parse_ms": {"n": len(data), "p50": round(float(np.percentile(data, 50)), 2),
                     "p95": round(float(np.percentile(data, 95)), 2),
                     "p99": round(float(np.percentile(data, 99)), 2),
                     "max": round(float(data.max()), 2)},
        "peak_rss_mb": round(rss_mb, 1),
    }))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=None, help="benchmark config over config.yml")
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.config)
        return
    from bot.nlu.training import shipped_data, train

    settings = bench_settings(args.config)

    def measure(model: Path) -> dict[str, object]:
        command = [sys.executable, "-m", "bench.nlu_speed", "--child", str(model)]
        if args.config:
            command += ["--config", args.config]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
        figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
        return figures

    if args.skip_train:
        # The model `supportbot train` left in models/ (trained with config.yml).
        model = ROOT / "models"
        manifest = json.loads((model / "manifest.json").read_text())
        dump({"config": args.config or "config.yml", "model": "models/ (not retrained)",
              "embedder": manifest["embedder"], "training_examples": manifest["examples"],
              **measure(model), "machine": machine()})
        return
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model"
        started = time.perf_counter()
        manifest = train(settings, shipped_data(settings), model, progress=False)
        train_seconds = time.perf_counter() - started
        figures = measure(model)
    dump({
        "config": args.config or "config.yml",
        "embedder": manifest["embedder"],
        "training_seconds_in_process": round(train_seconds, 1),
        "training_examples": manifest["examples"],
        **figures,
        "machine": machine(),
    })


if __name__ == "__main__":
    main()
