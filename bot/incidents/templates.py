"""The incident templates an operator declares from (responses/incidents.yml).

A malformed file fails at start-up (and in `supportbot incident start`) with the file, the
line and what to fix, like every other data file of the project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import DataFileError
from bot.knowledge.yaml_nodes import compose_file, line_of, mapping_items, scalar, string_list
from bot.taxonomy import ALL_INTENTS

TEMPLATES_FILE = "incidents.yml"  # in the responses folder (config paths.responses)
MAX_BANNER_CHARS = 400  # a banner is a status line, not an article
MAX_TITLE_CHARS = 120  # incidents.title
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_FIELDS = ("title", "intents", "keywords", "banner")


@dataclass(frozen=True)
class IncidentTemplate:
    name: str
    title: str
    intents: tuple[str, ...]
    keywords: dict[str, tuple[str, ...]]  # lang -> cue words
    banner: dict[str, str]  # lang -> text, every supported language

    def all_keywords(self) -> tuple[str, ...]:
        """Every language's keywords in one list: a message matches in whatever language
        it is written (a German word cannot turn up in a Chinese message by accident)."""
        return tuple(dict.fromkeys(word for words in self.keywords.values() for word in words))


def templates_path(responses_folder: str | Path) -> Path:
    return Path(responses_folder) / TEMPLATES_FILE


def read_templates(path: Path, languages: Iterable[str]) -> dict[str, IncidentTemplate]:
    """Every template of the file, checked: known intents, a banner in each of
    `languages`, keywords only for those languages."""
    required = tuple(languages)
    if not path.exists():
        raise DataFileError(path, "the incident templates file is missing",
                            "Restore responses/incidents.yml from the project.")
    root = compose_file(path)
    if root is None:
        raise DataFileError(path, "the file is empty",
                            "Write at least one template (see the comments at the top).")
    templates = {}
    for name, node in mapping_items(root, path, "the templates file").items():
        if not _NAME.match(name):
            raise DataFileError(path, f"template name '{name}' is not a lower-case slug",
                                "Use letters, digits and '_' (e.g. withdrawals_delayed).",
                                line=line_of(node))
        templates[name] = _template(name, node, path, required)
    if not templates:
        raise DataFileError(path, "no templates", "Write at least one template.")
    return templates


def _template(name: str, node: yaml.Node, path: Path,
              languages: tuple[str, ...]) -> IncidentTemplate:
    fields = mapping_items(node, path, f"template '{name}'")
    for key, value in fields.items():
        if key not in _FIELDS:
            raise DataFileError(path, f"template '{name}' has an unknown field '{key}'",
                                f"Use only {', '.join(_FIELDS)}.", line=line_of(value))
    missing = [key for key in _FIELDS if key not in fields]
    if missing:
        raise DataFileError(path, f"template '{name}' lacks {', '.join(missing)}",
                            "Add the missing fields.", line=line_of(node))
    title = scalar(fields["title"], path, f"{name}.title").strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        raise DataFileError(path, f"{name}.title must be 1 to {MAX_TITLE_CHARS} characters",
                            "Write a short English name.", line=line_of(fields["title"]))
    intents = []
    for intent, line in string_list(fields["intents"], path, f"{name}.intents"):
        if intent not in ALL_INTENTS:
            raise DataFileError(path, f"{name}.intents: unknown intent '{intent}'",
                                "Use intent names of bot/taxonomy.py.", line=line)
        intents.append(intent)
    keywords = {}
    for lang, words_node in mapping_items(fields["keywords"], path,
                                          f"{name}.keywords").items():
        if lang not in languages:
            raise DataFileError(path, f"{name}.keywords: unknown language '{lang}'",
                                f"Use one of {', '.join(languages)}.",
                                line=line_of(words_node))
        words = []
        for word, line in string_list(words_node, path, f"{name}.keywords.{lang}"):
            if not word.rstrip("*").strip():
                raise DataFileError(path, f"{name}.keywords.{lang} has an empty word",
                                    "Remove it or write the word.", line=line)
            words.append(word)
        keywords[lang] = tuple(words)
    banner_node = fields["banner"]
    banner = {}
    for lang, text_node in mapping_items(banner_node, path, f"{name}.banner").items():
        if lang not in languages:
            raise DataFileError(path, f"{name}.banner: unknown language '{lang}'",
                                f"Use one of {', '.join(languages)}.", line=line_of(text_node))
        text = scalar(text_node, path, f"{name}.banner.{lang}").strip()
        if not text or len(text) > MAX_BANNER_CHARS:
            raise DataFileError(path, f"{name}.banner.{lang} must be 1 to "
                                f"{MAX_BANNER_CHARS} characters", "Write a short status.",
                                line=line_of(text_node))
        banner[lang] = text
    absent = [lang for lang in languages if lang not in banner]
    if absent:
        raise DataFileError(path, f"{name}.banner has no text for {', '.join(absent)}",
                            "Write the banner in every supported language.",
                            line=_key_line(node, "banner"))
    return IncidentTemplate(name, title, tuple(intents), keywords, banner)


def _key_line(mapping: yaml.Node, key: str) -> int:
    """The line of `key:` itself (a block value starts on the line after it)."""
    for key_node, _value in mapping.value:
        if key_node.value == key:
            return line_of(key_node)
    return line_of(mapping)
