"""Rasa with its own DIET model versus Rasa with our NLU endpoint, side by side on the same
machine in one run (issue 15): intent accuracy per language on our held-out sets, and the
latency of a whole turn through Rasa's REST channel (NLU, policy, our action server).

Both assistants are the project `supportbot export rasa` writes; they differ only in
who understands: (a) Rasa's recommended DIET pipeline (char n-grams) trained on the same
nlu_data/, (b) endpoints.yml `nlu:` pointing at our server. Rasa runs in its own Python
3.10 environment (scripts/rasa_env.sh).

    .venv/bin/python -m bench.rasa_compare [--epochs 100] [--cases FILE ...]
        [--keep-diet PATH | --diet-model PATH]

Training DIET takes about half an hour here: `--keep-diet` saves the trained model,
`--diet-model` measures again with it (the same model, another quiet window).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.common import ROOT, dump, machine
from tests.rasa.rasa_stack import action_server, rasa_environment, rasa_server
from tests.server.live_server import free_port, live_server

TOKEN = "bench-rasa-bridge-token-0123456789"
AUTH = "bench-rasa-auth-token-0123456789"
DEFAULT_CASES = ("eval_data/heldout.jsonl", "eval_data/heldout_v2.jsonl",
                 "eval_data/fresh_2026_12/heldout_latin.jsonl",
                 "eval_data/fresh_2026_12/heldout_asia_east.jsonl")


def diet_pipeline(epochs: int) -> list[dict[str, Any]]:
    """Rasa's recommended pipeline for languages without a tokenizer of their own."""
    return [{"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"},
            {"name": "LexicalSyntacticFeaturizer"}, {"name": "CountVectorsFeaturizer"},
            {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1,
             "max_ngram": 4},
            {"name": "DIETClassifier", "epochs": epochs, "constrain_similarities": True},
            {"name": "EntitySynonymMapper"}]


def _export(project: Path, config: Path, server: str, actions: str) -> None:
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "--config", str(config),
                    "export", "rasa", str(project), "--server-url", server, "--actions-url",
                    actions], cwd=ROOT, check=True, capture_output=True)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _train(env: Path, project: Path, what: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds of the training (the CPU figure does not depend on
    what else the machine is doing)."""
    started, cpu = time.monotonic(), _cpu_of_children()
    command = [str(env / "bin/rasa"), "train", *([what] if what == "core" else []),
               "--fixed-model-name", "core", "--out", "models"]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "RASA_TELEMETRY_ENABLED": "false",
                               "SUPPORTBOT_RASA_TOKEN": TOKEN, "HOME": str(Path.home())})
    if done.returncode != 0:
        raise SystemExit(done.stdout[-3000:] + done.stderr[-3000:])
    return time.monotonic() - started, _cpu_of_children() - cpu


def _measure(rasa: str, cases: list[dict[str, Any]]) -> dict[str, Any]:
    client = httpx.Client(timeout=60)
    right: dict[str, list[bool]] = defaultdict(list)
    latencies: list[float] = []
    for number, case in enumerate(cases):
        parsed = client.post(f"{rasa}/model/parse", params={"token": AUTH},
                             json={"text": case["text"]}).json()
        right[case["lang"]].append(parsed["intent"]["name"] == case["intent"])
        started = time.perf_counter()
        response = client.post(f"{rasa}/webhooks/rest/webhook",
                               json={"sender": f"bench-{number}", "message": case["text"]})
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    every = [ok for oks in right.values() for ok in oks]
    latencies.sort()
    return {"intent_accuracy": round(sum(every) / len(every), 4),
            "per_lang": {lang: round(sum(oks) / len(oks), 4)
                         for lang, oks in sorted(right.items())},
            "turn_ms_p50": round(statistics.median(latencies), 1),
            "turn_ms_p99": round(latencies[min(len(latencies) - 1,
                                               int(0.99 * len(latencies)))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="*", default=list(DEFAULT_CASES))
    parser.add_argument("--epochs", type=int, default=100, help="DIET epochs (Rasa's default)")
    parser.add_argument("--keep-diet", type=Path, help="copy the trained DIET model here")
    parser.add_argument("--diet-model", type=Path, help="measure this DIET model, no training")
    args = parser.parse_args()
    cases = [json.loads(line) for name in args.cases
             for line in (ROOT / name).read_text().splitlines() if line.strip()]
    env = rasa_environment()
    report: dict[str, Any] = {"machine": machine(), "cases": args.cases, "n": len(cases),
                              "diet_epochs": args.epochs}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rasa_port = free_port()
        ours = {"SUPPORTBOT_RASA_TOKEN": TOKEN}
        with (live_server(ROOT / "models", folder / "server", env=ours) as (base, config, _),
              action_server(folder, config, base, TOKEN) as actions):
            for name in ("ours", "diet"):
                project = folder / name
                _export(project, config, base, actions)
                if name == "diet":
                    settings = yaml.safe_load((project / "config.yml").read_text())
                    settings["pipeline"] = diet_pipeline(args.epochs)
                    (project / "config.yml").write_text(yaml.safe_dump(settings))
                    endpoints = yaml.safe_load((project / "endpoints.yml").read_text())
                    endpoints.pop("nlu")
                    (project / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
                model = project / "models" / "core.tar.gz"
                if name == "diet" and args.diet_model:
                    model.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(args.diet_model, model)
                    seconds = cpu = 0.0
                else:
                    seconds, cpu = _train(env, project, "core" if name == "ours" else "all")
                if name == "diet" and args.keep_diet:
                    shutil.copy(model, args.keep_diet)
                with rasa_server(env, project, rasa_port, AUTH, TOKEN) as rasa:
                    report[name] = {"train_wall_s": round(seconds, 1),
                                    "train_cpu_s": round(cpu, 1),
                                    **_measure(rasa, cases)}
                print(name, json.dumps(report[name]), flush=True)
    dump(report)


if __name__ == "__main__":
    main()
