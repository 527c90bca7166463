"""Messages that set how sure the classifier must be before it answers.

A random slice of our own training data holds near-paraphrases of what the model learned,
so a confidence cut (and the temperature) chosen on it rates new messages too familiar.
The sets named here are held-out messages written like real traffic, by people who never
saw the training data: `supportbot train` fits the temperature and the out-of-scope cuts
on them instead. JSONL, one {"text": ..., "intent": ...} object per line (the fresh
evaluation sets' own format; other keys are ignored).
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

from bot.errors import DataFileError
from bot.knowledge.jsonl import text_objects
from bot.knowledge.nlu_examples import Example


def calibration_files(patterns: Iterable[str]) -> list[Path]:
    """The files the patterns (globs, made absolute by load_settings) name, in a stable
    order. A pattern that names nothing is an error: a calibration silently made on a
    random split would look the same in the model's manifest."""
    files: list[Path] = []
    for pattern in patterns:
        found = sorted(Path(name) for name in glob.glob(pattern) if Path(name).is_file())
        if not found:
            raise DataFileError(pattern, "no calibration file matches",
                                "Fix `paths.calibration_data` in config.yml, or remove the "
                                "pattern to calibrate on a split of the training data.")
        files += [path for path in found if path not in files]
    return files


def read_calibration_sets(files: Iterable[Path], intents: Iterable[str]) -> list[Example]:
    known = set(intents)
    examples: list[Example] = []
    for path in files:
        for number, raw in text_objects(path, '{"text": "...", "intent": "..."}'):
            intent = raw.get("intent")
            if intent not in known:
                raise DataFileError(path, f"unknown intent {intent!r}",
                                    "Use an intent of the taxonomy (docs/knowledge.md).",
                                    line=number)
            examples.append(Example(raw["text"], intent, f"{path.name}:{number}"))
    return examples
