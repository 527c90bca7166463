"""The declared incident as a value, and whether a trader's message is about it. Pure: the
dialogue policy calls it with the incident the engine fetched (bot.incidents.store)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.nlu.cue_words import compile_cues
from bot.nlu.folding import fold

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True, eq=False)
class ActiveIncident:
    id: int
    title: str
    template: str | None
    banner: Mapping[str, str]  # lang -> text, every supported language
    intents: frozenset[str]
    keywords: tuple[str, ...]
    started_at: float
    started_by: str

    def banner_in(self, lang: str | None) -> str:
        return banner_text(self.banner, lang)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "template": self.template,
                "banner": dict(self.banner), "intents": sorted(self.intents),
                "keywords": list(self.keywords), "started_at": self.started_at,
                "started_by": self.started_by}


def banner_text(banner: Mapping[str, str], lang: str | None) -> str:
    """The banner in `lang`, else in English (every stored incident has all twelve; an
    unknown or missing language still gets a readable status)."""
    if lang and banner.get(lang):
        return banner[lang]
    return banner.get(FALLBACK_LANGUAGE) or next(iter(banner.values()), "")


@lru_cache(maxsize=16)
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    # An empty list would compile to a pattern that matches everything.
    words = tuple(word for word in keywords if word.rstrip("*").strip())
    return compile_cues(words) if words else None


def matches(incident: ActiveIncident, *, intent: str | None, confident: bool,
            text: str) -> bool:
    """A message is about the incident when it was understood (confidently) as one of the
    incident's intents, or names one of its keywords in any language."""
    if confident and intent is not None and intent in incident.intents:
        return True
    pattern = _keyword_pattern(incident.keywords)
    return pattern is not None and pattern.search(fold(text)) is not None


def compose_banner(template_banner: Mapping[str, str], custom: Mapping[str, str],
                   languages: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """The banner to store: the operator's text where given, the template's elsewhere
    (English where the template has none). Returns it and the languages that fell back."""
    banner: dict[str, str] = {}
    fallback = []
    for lang in languages:
        text = (custom.get(lang) or "").strip()
        if text:
            banner[lang] = text
        else:
            banner[lang] = banner_text(template_banner, lang)
            fallback.append(lang)
    return banner, fallback
