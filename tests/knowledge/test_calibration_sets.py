"""Calibration on held-out messages like real traffic (`paths.calibration_data`): read
with clear errors, part of the model's fingerprint, and what `supportbot train` fits the
temperature and the out-of-scope cut on when no --valid is given."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings, load_settings
from bot.errors import DataFileError
from bot.knowledge.calibration_sets import calibration_files, read_calibration_sets
from bot.knowledge.nlu_examples import read_examples
from bot.nlu.chinese_script import one_script
from bot.nlu.classifier import fit_temperature
from bot.nlu.pipeline import NLU
from bot.nlu.training import TrainingData, current_fingerprints, shipped_data, train
from bot.taxonomy import ALL_INTENTS
from tests.conftest import FIXTURES, ROOT

HELD_OUT = [
    {"text": "good evening", "intent": "greet"},
    {"text": "buenos días", "intent": "greet"},
    {"text": "my eth deposit is missing", "intent": "deposit_missing"},
    {"text": "充值三小时还没到账", "intent": "deposit_missing"},
    {"text": "withdrawal has been pending all day", "intent": "withdrawal_delay"},
    {"text": "提现还在处理中", "intent": "withdrawal_delay"},
    {"text": "somebody stole my funds", "intent": "account_hacked"},
    {"text": "мой аккаунт украли", "intent": "account_hacked"},
    {"text": "who won the football last night", "intent": "out_of_scope"},
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("line, problem", [
    ('{"text": "hola", "intent": "greet"', "not JSON"),
    ('{"intent": "greet"}', "no 'text' string"),
    ('{"text": "hola", "intent": "greeting"}', "unknown intent 'greeting'"),
])
def test_a_bad_line_names_the_file_the_line_and_the_fix(tmp_path, line, problem):
    path = _write(tmp_path / "set.jsonl", ['{"text": "hi", "intent": "greet"}', line])
    with pytest.raises(DataFileError) as raised:
        read_calibration_sets([path], ALL_INTENTS)
    assert raised.value.line == 2
    assert raised.value.path == str(path)
    assert problem in raised.value.problem
    assert raised.value.fix


def test_a_pattern_that_names_no_file_stops_training(tmp_path):
    with pytest.raises(DataFileError) as raised:
        calibration_files([str(tmp_path / "nothing_*.jsonl")])
    assert "paths.calibration_data" in raised.value.fix


def test_the_shipped_sets_are_read_and_a_changed_file_makes_the_model_stale(tmp_path):
    config = tmp_path / "config.yml"
    shipped = (ROOT / "config.yml").read_text(encoding="utf-8")
    _write(tmp_path / "calibration.jsonl", [json.dumps(row, ensure_ascii=False)
                                            for row in HELD_OUT])
    for folder in ("nlu_data", "faq_corpus", "safety_data"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    # The shipped list, replaced by one file named relative to the config's folder.
    config.write_text(re.sub(r"  calibration_data:\n(    - .*\n)+",
                             "  calibration_data:\n    - calibration*.jsonl\n", shipped),
                      encoding="utf-8")
    settings = load_settings(config)
    assert settings.paths.calibration_data == (str(tmp_path / "calibration*.jsonl"),)
    before = current_fingerprints(settings)
    data = shipped_data(settings)
    assert [(e.text, e.intent) for e in data.calibration] == [
        (row["text"], row["intent"]) for row in HELD_OUT]
    assert data.fingerprint == before["data"]
    _write(tmp_path / "calibration.jsonl", [json.dumps(HELD_OUT[0])])
    assert current_fingerprints(settings)["data"] != before["data"]


def test_training_fits_the_temperature_on_the_calibration_messages(
        settings: Settings, tmp_path: Path):
    examples = read_examples(FIXTURES / "tiny_nlu.yml", ALL_INTENTS)
    calibration = read_calibration_sets(
        [_write(tmp_path / "held_out.jsonl", [json.dumps(row, ensure_ascii=False)
                                               for row in HELD_OUT])], ALL_INTENTS)
    out = tmp_path / "model"
    manifest = train(settings, TrainingData(examples, [], "tiny", calibration=calibration),
                     out, progress=False)
    assert manifest["calibrated_on"] == f"{len(HELD_OUT)} held-out messages"
    nlu = NLU.load(settings, out, check_fresh=False)
    classifier = nlu.classifier
    texts = [one_script(row["text"]) for row in HELD_OUT]
    logits = classifier.logits(texts, nlu.embedder.encode(texts))
    index = {name: i for i, name in enumerate(classifier.classes)}
    known = [i for i, row in enumerate(HELD_OUT) if row["intent"] in index]
    expected = fit_temperature(logits[known], np.array([index[HELD_OUT[i]["intent"]]
                                                        for i in known]))
    assert classifier.calibration.temperature == pytest.approx(expected, rel=1e-6)
    # Without calibration messages the same data is calibrated on a split of itself.
    split = train(settings, TrainingData(examples, [], "tiny"), tmp_path / "split",
                  progress=False)
    assert split["calibrated_on"] == "a split of the training examples"
    assert split["pipeline"]["classifier"]["novelty_budget"] == 0.0  # what the model does
    assert manifest["pipeline"]["classifier"]["novelty_budget"] == (
        settings.classifier.novelty_budget)
