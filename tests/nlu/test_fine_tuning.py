"""The optional fine-tuned intent model (classifier.fine_tune): trained on the CPU on the
tiny real fixture with the bundled MiniLM, saved inside the model, loaded back."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import joblib
import numpy as np
import pytest

from bot.config import FineTuneSettings, Settings
from bot.errors import ConfigError, ModelNotReadyError
from bot.knowledge.nlu_examples import read_examples
from bot.nlu.fine_tuning import (
    FOLDER,
    FineTunedEnsemble,
    FineTunedIntentModel,
    _length_batches,
)
from bot.nlu.pipeline import NLU
from bot.nlu.probabilities import softmax
from bot.nlu.training import TrainingData, train
from bot.taxonomy import ALL_INTENTS
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def fine_tuned(settings: Settings, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Settings, Path, list]:  # type: ignore[type-arg]
    # Two models, so the ensemble's average and its numbered folders are exercised.
    tuning = FineTuneSettings(epochs=4, threads=2, batch_size=16, learning_rate=2e-4,
                              models=2)
    tuned = settings.model_copy(update={
        "classifier": settings.classifier.model_copy(update={"fine_tune": tuning})})
    examples = read_examples(FIXTURES / "tiny_nlu.yml", ALL_INTENTS)
    out = tmp_path_factory.mktemp("fine_tuned") / "model"
    train(tuned, TrainingData(examples, [], "tiny"), out, progress=False)
    return tuned, out, examples


def test_model_holds_the_encoder_and_reloads_to_the_same_probabilities(fine_tuned):
    settings, out, examples = fine_tuned
    assert (out / FOLDER / "0" / "encoder" / "config.json").exists()
    assert (out / FOLDER / "1" / "encoder" / "config.json").exists()
    first = NLU.load(settings, out, check_fresh=False)
    second = NLU.load(settings, out, check_fresh=False)
    assert first.classifier.fine_tuned is not None
    texts = [e.text for e in examples[:20]]
    vectors = first.embedder.encode(texts)
    np.testing.assert_allclose(first.classifier.probabilities(texts, vectors),
                               second.classifier.probabilities(texts, vectors), atol=1e-6)


def test_the_fine_tuned_model_learns_the_training_intents(fine_tuned):
    settings, out, examples = fine_tuned
    ensemble = NLU.load(settings, out, check_fresh=False).classifier.fine_tuned
    assert ensemble is not None
    texts = [e.text for e in examples]
    for model in ensemble.members:
        predicted = np.array(model.classes)[model.logits(texts).argmax(axis=1)]
        accuracy = float(np.mean([p == e.intent
                                  for p, e in zip(predicted, examples, strict=True)]))
        # Chance is 1 / number of intents; four epochs on the fixture fit it almost entirely.
        assert accuracy >= 0.9, accuracy


def test_the_ensemble_averages_models_from_different_seeds(fine_tuned):
    settings, out, examples = fine_tuned
    ensemble = NLU.load(settings, out, check_fresh=False).classifier.fine_tuned
    assert ensemble is not None and len(ensemble.members) == 2
    texts = [e.text for e in examples[:10]]
    first, second = (softmax(model.logits(texts)) for model in ensemble.members)
    assert np.abs(first - second).max() > 1e-3  # different seeds, different models
    np.testing.assert_allclose(softmax(ensemble.logits(texts)), (first + second) / 2,
                               atol=1e-6)


def test_a_single_model_saved_by_0_3_0_still_loads(fine_tuned, tmp_path: Path):
    settings, out, examples = fine_tuned
    copy = tmp_path / "model"
    shutil.copytree(out, copy)
    # 0.3.0 kept its one fine-tuned model directly in fine_tuned/, and its pickled
    # settings have no `models` field.
    shutil.rmtree(copy / FOLDER / "1")
    for part in (copy / FOLDER / "0").iterdir():
        part.rename(copy / FOLDER / part.name)
    (copy / FOLDER / "0").rmdir()
    pickled = joblib.load(copy / "classifier.joblib")
    del pickled.settings.fine_tune.__dict__["models"]
    joblib.dump(pickled, copy / "classifier.joblib")
    old = NLU.load(settings, copy, check_fresh=False).classifier.fine_tuned
    new = NLU.load(settings, out, check_fresh=False).classifier.fine_tuned
    assert old is not None and new is not None and len(old.members) == 1
    assert old.settings.models == 1  # the missing field took its default
    texts = [e.text for e in examples[:10]]
    np.testing.assert_allclose(old.logits(texts), new.members[0].logits(texts), atol=1e-6)


def test_the_mixture_is_the_stated_average_of_the_two_models(fine_tuned):
    settings, out, examples = fine_tuned
    nlu = NLU.load(settings, out, check_fresh=False)
    classifier = nlu.classifier
    texts = [e.text for e in examples[:10]]
    vectors = nlu.embedder.encode(texts)
    mixed = np.exp(classifier.logits(texts, vectors))
    tuned = classifier.fine_tuned
    classifier.fine_tuned = None
    frozen = softmax(classifier.logits(texts, vectors))
    assert tuned is not None
    expected = 0.5 * frozen + 0.5 * softmax(tuned.logits(texts))
    np.testing.assert_allclose(mixed, expected, atol=1e-6)


@pytest.mark.parametrize("lost", [FOLDER, f"{FOLDER}/1"])
def test_a_model_missing_its_fine_tuned_part_asks_for_training(fine_tuned, tmp_path: Path,
                                                                 lost: str):
    settings, out, _examples = fine_tuned
    copy = tmp_path / "model"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / lost)
    with pytest.raises(ModelNotReadyError, match="supportbot train"):
        NLU.load(settings, copy, check_fresh=False)


def test_a_saved_model_gives_the_logits_it_had_when_trained(tmp_path: Path):
    examples = read_examples(FIXTURES / "tiny_nlu.yml", ALL_INTENTS)[:40]
    texts, labels = [e.text for e in examples], [e.intent for e in examples]
    tuning = FineTuneSettings(epochs=1, batch_size=16)
    trained = FineTunedIntentModel.train(tuning, texts, labels, seed=3)
    trained.save(tmp_path / "member")
    loaded = FineTunedIntentModel.load(tuning, tmp_path / "member")
    assert loaded.classes == trained.classes
    np.testing.assert_allclose(loaded.logits(texts), trained.logits(texts), atol=1e-5)


def test_models_that_know_different_intents_are_not_averaged(fine_tuned):
    settings, out, _examples = fine_tuned
    ensemble = NLU.load(settings, out, check_fresh=False).classifier.fine_tuned
    assert ensemble is not None
    first, second = ensemble.members
    second.classes = list(reversed(second.classes))
    with pytest.raises(ValueError, match="different intents"):
        FineTunedEnsemble(ensemble.settings, [first, second])


def test_length_batches_cover_every_text_once_in_similar_lengths():
    texts = ["x" * random.Random(i).randint(1, 200) for i in range(1000)]
    batches = _length_batches(texts, 10, random.Random(0))
    assert sorted(i for batch in batches for i in batch) == list(range(1000))
    spread = np.mean([max(len(texts[i]) for i in b) - min(len(texts[i]) for i in b)
                      for b in batches])
    assert spread < 20  # random batches of 10 would spread over ~160 characters


def test_bad_fine_tune_settings_stop_start_up(tmp_path: Path):
    from bot.config import load_settings
    from tests.conftest import ROOT

    config = tmp_path / "config.yml"
    config.write_text((ROOT / "config.yml").read_text().replace(
        "classifier:\n", "classifier:\n  fine_tune:\n    epochs: 0\n", 1))
    with pytest.raises(ConfigError, match=r"fine_tune\.epochs"):
        load_settings(config)
