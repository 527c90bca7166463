"""scripts/blind_set.py: a line labelled with an FAQ entry must name an entry of the
corpus that answers the line's intent; a bad line stops with the file and the line."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("blind_set", ROOT / "scripts" / "blind_set.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "helper.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                    encoding="utf-8")
    return path


def test_the_shipped_entry_sets_name_real_entries_of_their_intent() -> None:
    script = _script()
    entries = script.faq_intents()
    for path in sorted((ROOT / "eval_data" / "faq_entries_2026_12_05").glob("*.jsonl")):
        rows = script.checked(path, entries)
        assert rows and all(entries[row["entry"]] == row["intent"] for row in rows)


@pytest.mark.parametrize(("entry", "intent", "says"), [
    ("no_such_entry", "deposit_howto", "unknown FAQ entry 'no_such_entry'"),
    ("trading_fee_schedule", "deposit_howto",
     "FAQ entry 'trading_fee_schedule' answers intent 'trading_fees', not 'deposit_howto'"),
])
def test_a_wrong_entry_stops_with_the_file_and_line(tmp_path: Path, entry: str, intent: str,
                                                    says: str) -> None:
    script = _script()
    rows = [{"text": "what are the trading fees", "lang": "en", "intent": "trading_fees",
             "entry": "trading_fee_schedule"},
            {"text": "how do I deposit", "lang": "en", "intent": intent, "entry": entry}]
    path = _write(tmp_path, rows)
    with pytest.raises(SystemExit) as stop:
        script.checked(path)
    assert f"{path}:2:" in str(stop.value)
    assert says in str(stop.value)
