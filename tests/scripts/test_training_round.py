"""scripts/training_round.py: the incident labels it derives, and a contradictory line
stopping it with the file and the line (nothing written)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _script() -> ModuleType:
    sys.path.insert(0, str(SCRIPTS))  # it imports its sibling blind_set
    spec = importlib.util.spec_from_file_location("training_round",
                                                  SCRIPTS / "training_round.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_incident_labels_follow_the_urgency_rules() -> None:
    label = _script().incident_label
    assert label({"intent": "account_hacked", "urgency": "P1"}) == "takeover"
    assert label({"intent": "phishing_scam", "urgency": "P1"}) == "gave_away"
    assert label({"intent": "phishing_scam", "urgency": "P2"}) == "not_incident"
    # A P1 of another intent is an incident all the same (left out, its intent example
    # would teach the detector it is none); the cue words say which kind.
    assert label({"intent": "request_human", "urgency": "P1",
                  "text": "someone withdrew all my ETH, it wasn't me, get me a person"}) \
        == "takeover"
    assert label({"intent": "request_human", "urgency": "P1",
                  "text": "I gave my seed phrase to a fake agent, I need a human"}) \
        == "gave_away"
    assert label({"intent": "login_problem", "urgency": "P1", "incident": "takeover"}) \
        == "takeover"
    assert label({"intent": "withdrawal_delay", "urgency": "P2", "incident": "none"}) \
        == "not_incident"


def test_an_incident_below_p1_stops_with_the_file_and_line(tmp_path: Path) -> None:
    rows = [{"text": "hello", "lang": "en", "intent": "greet", "urgency": "P4",
             "incident": "none"},
            {"text": "someone logged in from abroad", "lang": "en",
             "intent": "account_hacked", "urgency": "P2", "incident": "takeover"}]
    source = tmp_path / "helper.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        _script().consistent(source)
    assert f"{source}:2:" in str(stop.value)
    assert "urgency 'P2'" in str(stop.value)


def test_the_round_file_reads_back_as_rasa_nlu(tmp_path: Path) -> None:
    from bot.knowledge.nlu_examples import read_rasa_nlu

    text = _script().rasa_file("why: a test round", {
        "greet": ["hi  there\nfriend"], "deny": ["- still broken: no"]})
    path = tmp_path / "round99_en.yml"
    path.write_text(text, encoding="utf-8")
    examples = read_rasa_nlu(path)
    assert [(e.intent, e.text) for e in examples] == [
        ("deny", "- still broken: no"), ("greet", "hi there friend")]


def test_pairs_of_two_sets_with_the_same_number_stay_apart(tmp_path: Path) -> None:
    script = _script()
    first = script._pair_of_its_file({"text": "a", "pair": 3}, tmp_path / "f.jsonl")
    second = script._pair_of_its_file({"text": "b", "pair": 3}, tmp_path / "g.jsonl")
    assert first["pair"] != second["pair"]
    assert script._pair_of_its_file({"text": "c"}, tmp_path / "f.jsonl") == {"text": "c"}


def test_a_line_without_urgency_stops_with_the_file_and_line(tmp_path: Path) -> None:
    source = tmp_path / "helper.jsonl"
    source.write_text(json.dumps({"text": "hi", "lang": "en", "intent": "greet"}) + "\n",
                      encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        _script().consistent(source)
    assert f"{source}:1:" in str(stop.value)


def test_incident_only_lines_need_a_label_and_nothing_else(tmp_path: Path) -> None:
    source = tmp_path / "helper.jsonl"
    source.write_text(json.dumps({"text": "my uid is 8615990", "lang": "en",
                                  "incident": "none"}) + "\n"
                      + json.dumps({"text": "uid 5858829", "lang": "en"}) + "\n",
                      encoding="utf-8")
    script = _script()
    with pytest.raises(SystemExit) as stop:
        script.consistent(source, incidents_only=True)
    assert f"{source}:2:" in str(stop.value) and "incident None" in str(stop.value)
    assert script.incident_label({"text": "my uid is 8615990", "incident": "none"}) \
        == "not_incident"
