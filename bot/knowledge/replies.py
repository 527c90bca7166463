"""The bot's own replies, one YAML file per language, rendered in the user's language."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DataFileError
from bot.knowledge.yaml_nodes import compose_file, line_of, mapping_items, scalar

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
REFERENCE_LANGUAGE = "en"


@dataclass(frozen=True)
class ReplyCatalog:
    texts: dict[str, dict[str, str]]  # lang -> key -> template

    def languages(self) -> list[str]:
        return sorted(self.texts)

    def template(self, key: str, lang: str) -> str:
        templates = self.texts.get(lang) or self.texts[REFERENCE_LANGUAGE]
        return templates.get(key) or self.texts[REFERENCE_LANGUAGE][key]

    def render(self, key: str, lang: str, **values: object) -> str:
        # format_map with a strict mapping: a missing value is a bug in the caller.
        return string.Formatter().vformat(self.template(key, lang), (), values)


def read_reply_catalog(folder: Path, languages: Iterable[str]) -> ReplyCatalog:
    required = list(languages)
    reference_path = folder / f"{REFERENCE_LANGUAGE}.yml"
    reference = _read_language(reference_path)
    texts = {REFERENCE_LANGUAGE: reference}
    for lang in required:
        if lang == REFERENCE_LANGUAGE:
            continue
        path = folder / f"{lang}.yml"
        if not path.exists():
            raise DataFileError(path, f"no replies for '{lang}'",
                                f"Translate {reference_path.name} into {path.name}.")
        texts[lang] = _read_language(path)
        _check_against_reference(path, texts[lang], reference)
    return ReplyCatalog(texts)


def _read_language(path: Path) -> dict[str, str]:
    root = compose_file(path)
    if root is None:
        raise DataFileError(path, "the file is empty", "Write 'key: text' lines.")
    items = mapping_items(root, path, "the reply file")
    replies = {}
    for key, node in items.items():
        text = scalar(node, path, f"reply '{key}'").strip()
        if not text:
            raise DataFileError(path, f"reply '{key}' is empty", "Write the text.",
                                line=line_of(node))
        replies[key] = text
    return replies


def _check_against_reference(
    path: Path, replies: dict[str, str], reference: dict[str, str]
) -> None:
    missing = [key for key in reference if key not in replies]
    if missing:
        raise DataFileError(path, f"missing replies {missing}", "Add every key of en.yml.")
    for key, text in replies.items():
        if key not in reference:
            raise DataFileError(path, f"reply '{key}' is not in en.yml",
                                "Remove it or add it to en.yml first.")
        expected = set(_PLACEHOLDER.findall(reference[key]))
        if set(_PLACEHOLDER.findall(text)) != expected:
            raise DataFileError(path, f"reply '{key}' has placeholders "
                                f"{sorted(_PLACEHOLDER.findall(text))}",
                                f"Use exactly {sorted(expected)} as in en.yml.")
