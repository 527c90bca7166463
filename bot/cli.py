"""The `supportbot` command: train, evaluate, run, shell, agent."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.config import DEFAULT_CONFIG_PATH, Settings, load_settings
from bot.errors import SupportbotError

Command = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(function: Command) -> Command:
        _COMMANDS[name] = function
        return function

    return register


@command("train")
def _train(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.nlu_examples import read_examples
    from bot.nlu.training import benchmark_data, shipped_data, train

    if args.data:
        data = benchmark_data(Path(args.data))
        out = Path(args.out or "models-benchmark")
    else:
        data = shipped_data(settings)
        out = Path(args.out or settings.paths.models)
    valid = read_examples(Path(args.valid)) if args.valid else None
    manifest = train(settings, data, out, valid=valid, progress=not args.quiet)
    calibration = manifest["calibration"]
    novelty = ("" if calibration.get("novelty_threshold") is None else
               f", similarity to training below {calibration['novelty_threshold']:.4f}")
    print(
        f"trained {manifest['examples']} examples, {len(manifest['intents'])} intents, "
        f"{manifest['faq_entries']} FAQ entries in {manifest['training_seconds']} s → {out}\n"
        f"temperature {calibration['temperature']:.3f}, out-of-scope threshold "
        f"{calibration['threshold']:.4f}{novelty} (held-out accuracy "
        f"{calibration['heldout_accuracy']} → {calibration['heldout_accuracy_at_threshold']} "
        f"with the cuts)"
    )
    return 0


@command("evaluate")
def _evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu.evaluation import evaluate_with_results, read_cases
    from bot.nlu.pipeline import NLU

    nlu = NLU.load(settings, args.model, check_fresh=args.model is None)
    cases = read_cases(Path(args.cases))
    report, results = evaluate_with_results(nlu, cases)
    if args.report:
        from bot.nlu.report import write_report  # matplotlib: only when a report is asked

        model = Path(args.model or settings.paths.models).resolve()
        # Relative where it can be, so that a report kept in the repository names no home.
        shown = model.relative_to(Path.cwd()) if model.is_relative_to(Path.cwd()) else model
        source = f"cases {args.cases}, model {shown}"
        write_report(Path(args.report), cases, results, report,
                     nlu.classifier.calibration.threshold, source)
        # On stderr, so that --json still prints one JSON object and nothing else.
        print(f"report written to {args.report}/index.html", file=sys.stderr)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    keys = ("intent_accuracy", "lang_accuracy", "urgency_accuracy", "p1_recall",
            "faq_hit_at_1", "in_scope_accuracy", "oos_recall", "oos_precision")
    print(f"{'':6}" + "".join(f"{k[:12]:>13}" for k in keys))
    rows = [("all", report), *list(report["per_lang"].items())]
    for name, figures in rows:
        cells = "".join(
            f"{'-' if figures[k] is None else f'{figures[k]:.3f}':>13}" for k in keys
        )
        print(f"{name:6}{cells}")
    print(f"latency ms: {report['latency_ms']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supportbot", description=__doc__)
    parser.add_argument("--config", default=str(DEFAULT_CONFIG_PATH), help="config.yml path")
    verbs = parser.add_subparsers(dest="command", required=True)

    train = verbs.add_parser("train", help="build models/ from nlu_data/, faq_corpus/")
    train.add_argument("--data", help="train on another dataset: Rasa YAML, CSV or seq.in dir")
    train.add_argument("--valid", help="held-out data for calibration and the threshold")
    train.add_argument("--out", help="where to write the model (default: models/)")
    train.add_argument("--quiet", action="store_true", help="no progress bars")

    evaluate = verbs.add_parser("evaluate", help="measure the understanding step")
    evaluate.add_argument("--cases", required=True, help="JSONL file of labelled messages")
    evaluate.add_argument("--model", help="model folder (default: models/)")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")
    evaluate.add_argument("--report", metavar="DIR",
                          help="also write an HTML page, images and JSON files into DIR")

    for extend in _PARSER_EXTENSIONS:
        extend(verbs)
    return parser


# Later modules (server, shell, agent accounts) add their verbs here.
_PARSER_EXTENSIONS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    # Imported for the verbs they register: identity; incident; webhooks; privacy, backup, restore;
    # run, shell, agent.
    import bot.cli_identity
    import bot.cli_incidents
    import bot.cli_ops
    import bot.cli_privacy
    import bot.cli_rasa
    import bot.cli_server  # noqa: F401

    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        return _COMMANDS[args.command](args, settings)
    except SupportbotError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

