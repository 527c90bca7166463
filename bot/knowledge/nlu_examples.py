"""Training examples: Rasa 3.x NLU YAML, and the CSV / seq.in formats used by benchmarks."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import DataFileError
from bot.knowledge.yaml_nodes import compose_file, line_of, mapping_items, scalar

# Rasa entity markup: [text](entity) or [text]{"entity": ...}; we keep the text only.
_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    source: str  # "file:line", so checks can point at it


def read_rasa_nlu(path: Path, allowed_intents: Iterable[str] | None = None) -> list[Example]:
    """Read one Rasa NLU YAML file. Only `intent` blocks are used; other keys are allowed."""
    allowed = set(allowed_intents) if allowed_intents is not None else None
    root = compose_file(path)
    if root is None:
        return []
    top = mapping_items(root, path, "the top level")
    if "nlu" not in top:
        raise DataFileError(path, "no 'nlu:' section", "Add 'nlu:' with '- intent:' blocks.")
    nlu = top["nlu"]
    if not isinstance(nlu, yaml.SequenceNode):
        raise DataFileError(path, "'nlu' must be a list", "Write '- intent: name' items.",
                            line=line_of(nlu))
    examples: list[Example] = []
    for block in nlu.value:
        fields = mapping_items(block, path, "an nlu item")
        if "intent" not in fields:
            continue  # synonyms, regexes and lookups are Rasa features we do not use
        intent = scalar(fields["intent"], path, "intent").strip()
        if allowed is not None and intent not in allowed:
            raise DataFileError(
                path, f"intent '{intent}' is not in the taxonomy",
                f"Use one of: {', '.join(sorted(allowed))} (see docs/knowledge.md)",
                line=line_of(fields["intent"]),
            )
        if "examples" not in fields:
            raise DataFileError(path, f"intent '{intent}' has no 'examples'",
                                "Add 'examples: |' followed by '- text' lines.",
                                line=line_of(fields["intent"]))
        examples.extend(_block_examples(fields["examples"], intent, path))
    return examples


def _block_examples(node: yaml.Node, intent: str, path: Path) -> list[Example]:
    text = scalar(node, path, "examples")
    # A literal block starts on the line after 'examples: |'.
    first_line = line_of(node) + (1 if getattr(node, "style", None) == "|" else 0)
    found: list[Example] = []
    for offset, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("- "):
            raise DataFileError(path, f"example line does not start with '- ': {line[:40]!r}",
                                "Start every example with '- '.", line=first_line + offset)
        sentence = _ENTITY_MARKUP.sub(r"\1", line[2:]).strip()
        if sentence:
            found.append(Example(sentence, intent, f"{path}:{first_line + offset}"))
    return found


def read_csv(path: Path) -> list[Example]:
    """A CSV with a header `text,intent` or `text,category`."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        label = "intent" if "intent" in columns else "category" if "category" in columns else None
        if "text" not in columns or label is None:
            raise DataFileError(path, f"header is {columns}",
                                "The first row must be 'text,intent' or 'text,category'.",
                                line=1)
        examples = []
        for number, row in enumerate(reader, start=2):
            text, intent = (row.get("text") or "").strip(), (row.get(label) or "").strip()
            if not text or not intent:
                raise DataFileError(path, "empty text or label",
                                    "Fill both columns or delete the row.", line=number)
            examples.append(Example(text, intent, f"{path}:{number}"))
    return examples


def read_seq_dir(path: Path) -> list[Example]:
    """A folder with `seq.in` (one utterance a line) and `label` (the same line's intent)."""
    texts = (path / "seq.in").read_text(encoding="utf-8").splitlines()
    labels = (path / "label").read_text(encoding="utf-8").splitlines()
    if len(texts) != len(labels):
        raise DataFileError(path / "label", f"{len(labels)} labels for {len(texts)} lines",
                            "seq.in and label must have the same number of lines.")
    return [
        Example(t.strip(), lbl.strip(), f"{path / 'seq.in'}:{i}")
        for i, (t, lbl) in enumerate(zip(texts, labels, strict=True), start=1)
        if t.strip()
    ]


def read_examples(source: Path, allowed_intents: Iterable[str] | None = None) -> list[Example]:
    """Rasa YAML file or folder of them, a CSV, or a seq.in/label folder."""
    if source.is_dir():
        if (source / "seq.in").exists():
            return read_seq_dir(source)
        files = sorted(source.rglob("*.yml")) + sorted(source.rglob("*.yaml"))
        if not files:
            raise DataFileError(source, "no .yml files", "Put Rasa NLU YAML files here.")
        allowed = list(allowed_intents) if allowed_intents is not None else None
        return [ex for file in files for ex in read_rasa_nlu(file, allowed)]
    if source.suffix.lower() == ".csv":
        return read_csv(source)
    if source.suffix.lower() in {".yml", ".yaml"}:
        return read_rasa_nlu(source, allowed_intents)
    raise DataFileError(source, "unknown data format",
                        "Pass Rasa NLU YAML, a CSV with text,intent, or a seq.in/label folder.")
