"""BANKING77, full training set: train on train.csv, report test accuracy.

    .venv/bin/python -m bench.banking77 [--config bench/configs/minilm_layers_use_finetuned2.yml]

The default config fine-tunes two MiniLM encoders on the CPU (training about 36 minutes
on 2 cores: each once on the 85% that calibration leaves, once on everything);
minilm_layers_use_finetuned.yml fine-tunes one (about 23 minutes);
bench/configs/minilm_use.yml is the frozen-vector model alone (about 1.5 minutes).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import DATASETS, bench_settings, dump, machine
from bot.knowledge.nlu_examples import read_csv
from bot.nlu.pipeline import NLU
from bot.nlu.training import TrainingData, train


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="bench/configs/minilm_layers_use_finetuned2.yml")
    args = parser.parse_args()
    settings = bench_settings(args.config)
    folder = DATASETS / "banking77"
    examples = read_csv(folder / "train.csv")
    test = read_csv(folder / "test.csv")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model"
        started = time.perf_counter()
        manifest = train(settings, TrainingData(examples, [], "banking77"), out)
        train_seconds = time.perf_counter() - started
        nlu = NLU.load(settings, out, check_fresh=False)
        texts = [e.text for e in test]
        vectors = nlu.embedder.encode(texts)
        probs = nlu.classifier.probabilities(texts, vectors)
        classes = nlu.classifier.classes
        predicted = [classes[i] for i in probs.argmax(axis=1)]
    correct = sum(p == e.intent for p, e in zip(predicted, test, strict=True))
    dump({
        "benchmark": "BANKING77 test (3,080), trained on the full train.csv (10,003)",
        "config": args.config,
        "embedder": manifest["embedder"],
        "accuracy": round(correct / len(test), 4),
        "train_seconds": round(train_seconds, 1),
        "machine": machine(),
    })


if __name__ == "__main__":
    main()
