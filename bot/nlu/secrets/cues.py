"""The secrets scanner's context words (cues.yml), see bot.nlu.cue_words."""

from __future__ import annotations

import re
from pathlib import Path

from bot.nlu.cue_words import cue_file

_CUES_FILE = Path(__file__).parent / "cues.yml"


def cue_patterns() -> dict[str, re.Pattern[str]]:
    return cue_file(_CUES_FILE)


def find(category: str, folded_text: str) -> list[tuple[int, int]]:
    return [m.span() for m in cue_patterns()[category].finditer(folded_text)]
