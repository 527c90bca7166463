"""Train a tiny real pipeline (real USE embedder), save, load, and compare predictions."""

import json
import shutil
from pathlib import Path

import pytest

from bot.errors import ModelNotReadyError
from bot.nlu.pipeline import NLU
from bot.nlu.training import current_fingerprints

PROBES = ["my usdt deposit never arrived", "提现 pending 好久了", "hola", "мой аккаунт взломали",
          "will doge moon?", "envié USDT por la red equivocada"]


def test_save_load_gives_the_same_predictions(settings, tiny_model_dir, tiny_nlu):
    reloaded = NLU.load(settings, tiny_model_dir, check_fresh=False)
    for text in PROBES:
        first, second = tiny_nlu.parse(text), reloaded.parse(text)
        assert first.intent == second.intent
        assert first.ranking == second.ranking
        assert first.incident_score == second.incident_score
        assert [h.entry_id for h in first.faq_hits] == [h.entry_id for h in second.faq_hits]


def test_tiny_model_understands(tiny_nlu):
    assert tiny_nlu.parse("my btc deposit is not credited").intent == "deposit_missing"
    assert tiny_nlu.parse("提现 pending 好久了").intent == "withdrawal_delay"
    assert tiny_nlu.parse("a hacker logged in and withdrew all my usdt, not me").urgency == "P1"
    assert tiny_nlu.parse("how do i enable 2fa on my account").urgency != "P1"


def test_manifest_records_fingerprints_and_threshold(tiny_model_dir):
    manifest = json.loads((tiny_model_dir / "manifest.json").read_text())
    assert set(manifest["fingerprints"]) == {"data", "config"}
    calibration = manifest["calibration"]
    assert calibration["temperature"] > 0
    assert 0.0 <= calibration["threshold"] < 1.0
    assert manifest["faq_entries"] == 2


def test_confidence_is_a_probability(tiny_nlu):
    result = tiny_nlu.parse("deposit missing")
    total = sum(score.confidence for score in result.ranking)
    assert 0.0 < result.confidence <= 1.0 and total <= 1.0001


def test_faq_answer_found_across_languages(tiny_nlu):
    for text in ["I sent USDT on the wrong chain", "充值选错链了", "mandé usdt por otra red"]:
        assert tiny_nlu.parse(text).faq_hits[0].entry_id == "deposit_wrong_network", text


def test_missing_model_says_run_train(settings, tmp_path: Path):
    with pytest.raises(ModelNotReadyError) as error:
        NLU.load(settings, tmp_path / "nothing")
    assert "supportbot train" in str(error.value)


def test_stale_model_says_run_train(settings, tiny_model_dir, tmp_path: Path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    with pytest.raises(ModelNotReadyError) as error:
        NLU.load(settings, copy, check_fresh=True)  # trained on fixtures, not nlu_data/
    assert "stale" in str(error.value) and "supportbot train" in str(error.value)


def test_damaged_model_gives_a_clear_error(settings, tiny_model_dir, tmp_path: Path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "classifier.joblib").write_bytes(b"not a model")
    with pytest.raises(ModelNotReadyError):
        NLU.load(settings, copy, check_fresh=False)


def test_fingerprints_follow_the_data(settings):
    assert current_fingerprints(settings) == current_fingerprints(settings)
