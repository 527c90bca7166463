"""JSON Lines files of labelled messages (evaluation and calibration sets): one object per
line, each with a "text" string; a bad line fails with the file, the line and the fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.errors import DataFileError


def text_objects(path: Path,
                 shape: str = '{"text": "..."}') -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; `shape` is what the fix shows."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataFileError(path, f"not JSON ({error.msg})",
                                "Write one JSON object per line.", line=number) from None
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not (
                raw["text"].strip()):
            raise DataFileError(path, "no 'text' string", f"Write {shape} objects.",
                                line=number)
        yield number, raw
