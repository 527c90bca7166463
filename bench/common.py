"""Helpers shared by the benchmark scripts (not part of the product)."""

from __future__ import annotations

import json
import platform
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings, settings_from_mapping

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"


def bench_settings(config: str | None) -> Settings:
    """The shipped config.yml, with a benchmark config's sections laid over it."""
    import yaml

    base = yaml.safe_load((ROOT / "config.yml").read_text())
    if config:
        base.update(yaml.safe_load(Path(config).read_text()))
    settings = settings_from_mapping(base)
    return settings.model_copy(update={"paths": load_settings(ROOT / "config.yml").paths})


def shipped_or_kept(models: Path | None) -> Any:
    """The understanding step on the shipped model (checked fresh against the data) or on a
    kept model given with --models (a "before"), with the shipped config."""
    from bot.nlu.pipeline import NLU  # the models are heavy: only the benchmarks that parse

    return NLU.load(load_settings(ROOT / "config.yml"), models, check_fresh=models is None)


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{platform.node()} · {cpu} · {cores} cores · Python {platform.python_version()}"


def dump(report: dict[str, object]) -> None:
    print(json.dumps(report, indent=2, ensure_ascii=False))


def urgency_figures(expected: list[str], predicted: list[str]) -> dict[str, object]:
    """Urgency accuracy, P1 recall and the false-P1 rate of one scoring, as the fresh
    sets report them."""
    pairs = list(zip(expected, predicted, strict=True))
    p1 = [got for want, got in pairs if want == "P1"]
    routine = [got for want, got in pairs if want != "P1"]
    return {
        "urgency": round(sum(want == got for want, got in pairs) / len(pairs), 4)
        if pairs else None,
        "p1_recall": round(p1.count("P1") / len(p1), 4) if p1 else None,
        "p1_cases": len(p1),
        "false_p1_rate": round(routine.count("P1") / len(routine), 4) if routine else None,
    }


def script_pairs(rows: Iterable[dict[str, Any]]) -> list[dict[str, dict[str, Any]]]:
    """Rows of a Simplified/Traditional pairs file ({"pair", "script", "text", …}) grouped
    by pair, {"Hans": row, "Hant": row}; a pair missing either side is left out."""
    by_pair: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        by_pair[row["pair"]][row["script"]] = row
    return [pair for pair in by_pair.values() if {"Hans", "Hant"} <= pair.keys()]
