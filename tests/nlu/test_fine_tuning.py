"""The optional fine-tuned intent model (classifier.fine_tune): trained on the CPU on the
tiny real fixture with the bundled MiniLM, saved inside the model, loaded back."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.config import FineTuneSettings, Settings
from bot.errors import ConfigError, ModelNotReadyError
from bot.knowledge.nlu_examples import read_examples
from bot.nlu.classifier import softmax
from bot.nlu.fine_tuning import FOLDER, _length_batches
from bot.nlu.pipeline import NLU
from bot.nlu.training import TrainingData, train
from bot.taxonomy import ALL_INTENTS
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def fine_tuned(settings: Settings, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Settings, Path, list]:  # type: ignore[type-arg]
    tuning = FineTuneSettings(epochs=4, threads=2, batch_size=16, learning_rate=2e-4)
    tuned = settings.model_copy(update={
        "classifier": settings.classifier.model_copy(update={"fine_tune": tuning})})
    examples = read_examples(FIXTURES / "tiny_nlu.yml", ALL_INTENTS)
    out = tmp_path_factory.mktemp("fine_tuned") / "model"
    train(tuned, TrainingData(examples, [], "tiny"), out, progress=False)
    return tuned, out, examples


def test_model_holds_the_encoder_and_reloads_to_the_same_probabilities(fine_tuned):
    settings, out, examples = fine_tuned
    assert (out / FOLDER / "encoder" / "config.json").exists()
    first = NLU.load(settings, out, check_fresh=False)
    second = NLU.load(settings, out, check_fresh=False)
    assert first.classifier.fine_tuned is not None
    texts = [e.text for e in examples[:20]]
    vectors = first.embedder.encode(texts)
    np.testing.assert_allclose(first.classifier.probabilities(texts, vectors),
                               second.classifier.probabilities(texts, vectors), atol=1e-6)


def test_the_fine_tuned_model_learns_the_training_intents(fine_tuned):
    settings, out, examples = fine_tuned
    model = NLU.load(settings, out, check_fresh=False).classifier.fine_tuned
    assert model is not None
    texts = [e.text for e in examples]
    predicted = np.array(model.classes)[model.logits(texts).argmax(axis=1)]
    accuracy = float(np.mean([p == e.intent for p, e in zip(predicted, examples, strict=True)]))
    # Chance is 1 / number of intents; four epochs on the fixture fit it almost entirely.
    assert accuracy >= 0.9, accuracy


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


def test_a_model_missing_its_fine_tuned_part_asks_for_training(fine_tuned, tmp_path: Path):
    settings, out, _examples = fine_tuned
    copy = tmp_path / "model"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / FOLDER)
    with pytest.raises(ModelNotReadyError, match="supportbot train"):
        NLU.load(settings, copy, check_fresh=False)


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
