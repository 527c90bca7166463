"""FAQ entries: per-language question variants and answers, each linked to an intent."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.errors import DataFileError
from bot.knowledge.yaml_nodes import compose_file, line_of, mapping_items, scalar, string_list

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
# Placeholders an answer may use; config.yml's `links` section fills them in.
LINK_PLACEHOLDERS = frozenset({"support_url", "status_url", "fees_url", "security_url", "kyc_url"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A bare domain or URL in an answer would be invented: links must be placeholders.
_URL = re.compile(r"(https?://|www\.)|\b[\w-]+\.(com|net|org|io|co|app|exchange)\b", re.I)
MAX_ANSWER_CHARS = 900


@dataclass(frozen=True)
class FaqEntry:
    id: str
    intent: str
    questions: dict[str, tuple[str, ...]]
    answer: dict[str, str]
    escalate_if_unresolved: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""

    def answer_in(self, lang: str, fallback: str = "en") -> tuple[str, str]:
        """The answer in `lang` if written, else the fallback language; returns (text, lang)."""
        if lang in self.answer:
            return self.answer[lang], lang
        return self.answer[fallback], fallback


def read_faq_file(
    path: Path, allowed_intents: Iterable[str], languages: Iterable[str]
) -> list[FaqEntry]:
    allowed, required = set(allowed_intents), list(languages)
    root = compose_file(path)
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise DataFileError(path, "the file must be a list of entries",
                            "Start each entry with '- id: ...'.", line=line_of(root))
    return [_read_entry(node, path, allowed, required) for node in root.value]


def _read_entry(node: yaml.Node, path: Path, allowed: set[str], required: list[str]) -> FaqEntry:
    fields = mapping_items(node, path, "an FAQ entry")
    where = line_of(node)
    known = {"id", "intent", "questions", "answer", "escalate_if_unresolved", "tags"}
    for key, value in fields.items():
        if key not in known:
            raise DataFileError(path, f"unknown key '{key}' in an FAQ entry",
                                f"Allowed keys: {', '.join(sorted(known))}.", line=line_of(value))
    for key in ("id", "intent", "questions", "answer"):
        if key not in fields:
            raise DataFileError(path, f"an entry has no '{key}'", f"Add '{key}:'.", line=where)
    entry_id = scalar(fields["id"], path, "id").strip()
    if not _SLUG.match(entry_id):
        raise DataFileError(path, f"id '{entry_id}' is not a slug",
                            "Use lowercase letters, digits and underscores.",
                            line=line_of(fields["id"]))
    intent = scalar(fields["intent"], path, "intent").strip()
    if intent not in allowed:
        raise DataFileError(path, f"entry '{entry_id}': intent '{intent}' is not in the taxonomy",
                            f"Use one of: {', '.join(sorted(allowed))}.",
                            line=line_of(fields["intent"]))
    questions = _questions(fields["questions"], path, entry_id, required)
    answers = _answers(fields["answer"], path, entry_id, required)
    escalate = False
    if "escalate_if_unresolved" in fields:
        flag = scalar(fields["escalate_if_unresolved"], path, "escalate_if_unresolved")
        escalate = flag.strip().lower() == "true"
    tags: tuple[str, ...] = ()
    if "tags" in fields:
        tags = tuple(text for text, _ in string_list(fields["tags"], path, "tags"))
    return FaqEntry(entry_id, intent, questions, answers, escalate, tags, f"{path}:{where}")


def _questions(
    node: yaml.Node, path: Path, entry_id: str, required: list[str]
) -> dict[str, tuple[str, ...]]:
    by_lang = mapping_items(node, path, f"questions of '{entry_id}'")
    _require_languages(by_lang, path, entry_id, "questions", required, line_of(node))
    questions: dict[str, tuple[str, ...]] = {}
    for lang, value in by_lang.items():
        phrasings = string_list(value, path, f"questions.{lang} of '{entry_id}'")
        if not phrasings or any(not text for text, _ in phrasings):
            raise DataFileError(path, f"entry '{entry_id}': empty question in '{lang}'",
                                "Write at least one phrasing, none empty.", line=line_of(value))
        questions[lang] = tuple(text for text, _ in phrasings)
    return questions


def _answers(node: yaml.Node, path: Path, entry_id: str, required: list[str]) -> dict[str, str]:
    by_lang = mapping_items(node, path, f"answer of '{entry_id}'")
    _require_languages(by_lang, path, entry_id, "answer", required, line_of(node))
    answers: dict[str, str] = {}
    for lang, value in by_lang.items():
        text = scalar(value, path, f"answer.{lang}").strip()
        line = line_of(value)
        if not text:
            raise DataFileError(path, f"entry '{entry_id}': empty answer in '{lang}'",
                                "Write the answer.", line=line)
        if len(text) > MAX_ANSWER_CHARS:
            raise DataFileError(path, f"entry '{entry_id}': '{lang}' answer has {len(text)} "
                                f"characters", f"Keep answers under {MAX_ANSWER_CHARS}.", line=line)
        unknown = set(_PLACEHOLDER.findall(text)) - LINK_PLACEHOLDERS
        if unknown:
            raise DataFileError(
                path, f"entry '{entry_id}': unknown placeholder {sorted(unknown)} in '{lang}'",
                f"Use only {sorted(LINK_PLACEHOLDERS)}.", line=line,
            )
        if _URL.search(text):
            raise DataFileError(
                path, f"entry '{entry_id}': '{lang}' answer contains a URL or domain",
                "Link with a placeholder such as {support_url}.", line=line,
            )
        answers[lang] = text
    return answers


def _require_languages(
    by_lang: dict[str, yaml.Node], path: Path, entry_id: str, what: str,
    required: list[str], line: int,
) -> None:
    missing = [lang for lang in required if lang not in by_lang]
    if missing:
        raise DataFileError(path, f"entry '{entry_id}': {what} missing for {missing}",
                            f"Add {what} in every supported language.", line=line)


def read_faq_corpus(
    folder: Path, allowed_intents: Iterable[str], languages: Iterable[str]
) -> list[FaqEntry]:
    allowed, required = list(allowed_intents), list(languages)
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not files:
        raise DataFileError(folder, "no FAQ files", "Add faq_corpus/*.yml (docs/knowledge.md).")
    entries: list[FaqEntry] = []
    seen: dict[str, str] = {}
    for file in files:
        for entry in read_faq_file(file, allowed, required):
            if entry.id in seen:
                raise DataFileError(file, f"id '{entry.id}' is also used at {seen[entry.id]}",
                                    "Give every entry a unique id.",
                                    line=int(entry.source.rsplit(":", 1)[1]))
            seen[entry.id] = entry.source
            entries.append(entry)
    return entries
