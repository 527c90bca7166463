"""The triage's cue words (resources/triage_cues.yml), compiled, and how a clause is cut:
shared by the urgency rules (bot.nlu.triage) and the self-exclusion rule
(bot.nlu.self_exclusion)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

_RESOURCES = Path(__file__).parent / "resources"

# A negation counts only this close ("please don't freeze", "Bitte nicht mein Konto
# sperren"): further back it is the story's ("no fui yo, …", "not sure how … but freeze").
NEGATION_CONTEXT = 12
# A clause ends at punctuation and at "but": "not sure how they got in but please freeze
# my account" asks, whatever the clause before it said.
CLAUSE_BREAK = re.compile(
    r"[.;:!?,，。！？；：、\n]|\b(?:but|pero|aber|mais|ma|mas|но|ama|nh[ưu]ng)\b|"
    r"但是|可是|でも|けど|하지만|근데")


@lru_cache(maxsize=1)
def load_cues() -> dict[str, re.Pattern[str]]:
    # BaseLoader: every word stays a string ("yes", "no", "on" are not booleans).
    raw = yaml.load((_RESOURCES / "triage_cues.yml").read_text(encoding="utf-8"),
                    Loader=yaml.BaseLoader)
    for name, text in raw.items():
        # A "# comment" inside a folded YAML block is text, and would silently become part
        # of the pattern: refuse it.
        if re.search(r"(^|\|)\s*#", str(text)):
            raise ValueError(f"triage_cues.yml: '{name}' contains a '#' comment inside its "
                             "pattern; move the comment above the key")
    return {
        name: re.compile("|".join(part.strip() for part in str(text).split("|") if part.strip()),
                         re.IGNORECASE)
        for name, text in raw.items()
    }
