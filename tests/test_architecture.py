"""The folders are the architecture: each kind of record has one owner, and only the owner
touches its tables. Read from the imports, so a shortcut fails the build, not a review."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "actions", "handoff")
SCHEMA = "bot.storage.schema"
# Table name -> the only package (path prefix) whose modules may import it. Storage itself
# (migrations) may import anything.
OWNERS = {
    "conversations": "bot/conversations/", "messages": "bot/conversations/",
    "events": "bot/conversations/", "withheld_fragments": "bot/conversations/",
    "inbox": "bot/conversations/", "deliveries": "bot/conversations/",
    "typing_marks": "bot/conversations/",
    "handoffs": "handoff/", "agents": "handoff/", "agent_sessions": "handoff/",
    "agent_recovery_codes": "handoff/",
    "audit_log": "handoff/",
    "schema_version": "bot/storage/",
    "attachments": "bot/attachments/", "attachment_blobs": "bot/attachments/",
    "identity_links": "bot/identity/", "link_codes": "bot/identity/",
    "webhook_outbox": "bot/ops/",
    "incidents": "bot/incidents/",
}


def _schema_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == SCHEMA:
            found += [(node.lineno, alias.name) for alias in node.names]
            continue
        whole = (isinstance(node, ast.ImportFrom) and node.module == "bot.storage"
                 and any(alias.name == "schema" for alias in node.names))
        whole = whole or (isinstance(node, ast.Import)
                          and any(alias.name == SCHEMA for alias in node.names))
        if whole:
            found.append((node.lineno, "*"))
    return found


def test_only_the_owner_of_a_record_imports_its_tables():
    from sqlalchemy import Table

    from bot.storage import schema

    tables = {name for name in dir(schema) if isinstance(getattr(schema, name), Table)}
    wrong = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith("bot/storage/"):
                continue
            for line, name in _schema_imports(path):
                if name != "*" and name not in tables:
                    continue  # a constant (MAX_ID), not a table
                owner = OWNERS.get(name)
                if owner is None or not relative.startswith(owner):
                    wrong.append(f"{relative}:{line} imports {name} (owner: {owner or 'storage'})")
    assert not wrong, "tables imported outside their owner:\n" + "\n".join(wrong)


def test_every_table_has_an_owner():
    from bot.storage import schema

    assert set(schema.metadata.tables) <= set(OWNERS), set(schema.metadata.tables) - set(OWNERS)


def test_the_check_sees_a_shortcut(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from bot.storage.schema import messages\nimport bot.storage.schema\n")
    assert _schema_imports(sneaky) == [(1, "messages"), (2, "*")]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _offenders(folders: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    wrong = []
    for folder in folders:
        target = ROOT / folder
        for path in sorted([target] if target.is_file() else target.rglob("*.py")):
            for module in sorted(_imported_modules(path)):
                if any(module == f or module.startswith(f + ".") for f in forbidden):
                    wrong.append(f"{path.relative_to(ROOT).as_posix()} imports {module}")
    return wrong


def test_the_core_takes_values_and_returns_values():
    """Understanding and policy touch no database, web framework or channel."""
    wrong = _offenders(("bot/nlu", "bot/dialogue/policy.py", "bot/dialogue/state.py",
                        "bot/dialogue/takeover.py"),
                       ("sqlalchemy", "fastapi", "telegram", "bot.storage.database",
                        "bot.storage.schema", "bot.conversations", "bot.channels",
                        "bot.server", "handoff", "actions"))
    assert not wrong, "\n".join(wrong)


def test_channels_and_the_record_do_not_reach_into_the_server():
    wrong = _offenders(("bot/channels", "bot/conversations", "bot/dialogue"), ("bot.server",))
    assert not wrong, "\n".join(wrong)
