"""YAML parsing that keeps line numbers, so data errors can point at the right line."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.errors import DataFileError


def compose_file(path: Path) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(
            path, f"not UTF-8 ({error.reason})", "Save the file as UTF-8."
        ) from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise DataFileError(
            path, f"YAML does not parse: {problem}",
            "Check indentation and quoting on this line.", line=line,
        ) from None


def line_of(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def mapping_items(node: yaml.Node, path: Path, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise DataFileError(path, f"{what} must be a mapping", "Use 'key: value' lines.",
                            line=line_of(node))
    items: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in items:
            raise DataFileError(path, f"key '{key}' appears twice in {what}",
                                "Keep one of them.", line=line_of(key_node))
        items[key] = value_node
    return items


def scalar(node: yaml.Node, path: Path, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise DataFileError(path, f"{what} must be a single text value",
                            "Write it as plain text.", line=line_of(node))
    return str(node.value)


def string_list(node: yaml.Node, path: Path, what: str) -> list[tuple[str, int]]:
    if not isinstance(node, yaml.SequenceNode):
        raise DataFileError(path, f"{what} must be a list", "Use '- item' lines or [a, b].",
                            line=line_of(node))
    return [(scalar(item, path, what).strip(), line_of(item)) for item in node.value]
