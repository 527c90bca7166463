"""The second out-of-scope cut (classifier.novelty_budget): similarity to the nearest
training example, chosen on held-out messages, saved with the model and applied by parse."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.dialogue.policy import decide
from bot.dialogue.state import DialogueState
from bot.errors import ConfigError, ModelNotReadyError
from bot.knowledge.nlu_examples import Example, read_examples
from bot.nlu.classifier import NEIGHBOURS_FILE, choose_threshold
from bot.nlu.pipeline import NLU
from bot.nlu.training import TrainingData, train
from bot.nlu.understanding import LOW_CONFIDENCE, UNFAMILIAR
from bot.taxonomy import ALL_INTENTS, OUT_OF_SCOPE
from tests.conftest import FIXTURES

# Held-out paraphrases of the fixture's intents, as real traffic would bring them.
HELD_OUT = [
    ("good evening", "greet"), ("hey there", "greet"), ("buenos días", "greet"),
    ("my eth deposit is missing", "deposit_missing"), ("充值三小时还没到账", "deposit_missing"),
    ("deposit not showing in my balance", "deposit_missing"),
    ("withdrawal has been pending all day", "withdrawal_delay"),
    ("提现还在处理中", "withdrawal_delay"), ("mi retiro no llega", "withdrawal_delay"),
    ("somebody stole my funds", "account_hacked"), ("мой аккаунт украли", "account_hacked"),
    ("I think my account got hacked", "account_hacked"),
]
# Nothing like any training example, in-domain or out_of_scope.
UNLIKE_ANYTHING = ["give me a recipe for banana bread", "翻译这首诗成拉丁文",
                   "who won the handball final in 1987"]


@pytest.fixture(scope="module")
def novelty_model(settings: Settings, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Settings, Path, list[Example]]:
    tuned = settings.model_copy(update={"classifier": settings.classifier.model_copy(
        update={"novelty_budget": 0.01})})
    examples = read_examples(FIXTURES / "tiny_nlu.yml", ALL_INTENTS)
    valid = [Example(text, intent, f"test:{i}") for i, (text, intent) in enumerate(HELD_OUT)]
    out = tmp_path_factory.mktemp("novelty") / "model"
    train(tuned, TrainingData(examples, [], "tiny"), out, valid=valid, progress=False)
    return tuned, out, examples


def test_the_cut_is_chosen_within_its_budget_and_saved(novelty_model):
    settings, out, _examples = novelty_model
    assert (out / NEIGHBOURS_FILE).exists()
    calibration = NLU.load(settings, out, check_fresh=False).classifier.calibration
    assert calibration.novelty_threshold is not None
    assert 0.0 < calibration.novelty_threshold < 1.0
    # Both cuts together stay within oos_max_accuracy_drop of the uncut accuracy.
    assert calibration.heldout_accuracy is not None
    assert calibration.heldout_accuracy_at_threshold is not None
    assert (calibration.heldout_accuracy_at_threshold
            >= calibration.heldout_accuracy - settings.classifier.oos_max_accuracy_drop)


def test_unfamiliar_messages_are_out_of_scope_and_paraphrases_are_not(novelty_model):
    settings, out, _examples = novelty_model
    nlu = NLU.load(settings, out, check_fresh=False)
    for text in UNLIKE_ANYTHING:
        result = nlu.parse(text)
        assert result.intent == OUT_OF_SCOPE, text
        assert result.has(UNFAMILIAR), (text, result.flags)
    # Fresh paraphrases, not the held-out messages the cut was chosen on.
    for text in ["good afternoon", "my usdt deposit hasn't shown up",
                 "提现等了很久还没到", "someone hacked into my account"]:
        assert not nlu.parse(text).has(UNFAMILIAR), text


def test_an_unfamiliar_message_gets_the_out_of_scope_reply_not_a_rephrase(novelty_model):
    settings, out, _examples = novelty_model
    nlu = NLU.load(settings, out, check_fresh=False)
    understanding = nlu.parse(UNLIKE_ANYTHING[0])
    assert understanding.has(UNFAMILIAR)
    # Also when the confidence cut fires on the same message.
    for flags in (understanding.flags, (*understanding.flags, LOW_CONFIDENCE)):
        decision = decide(replace(understanding, flags=flags), DialogueState(), "bot",
                          settings.policy)
        assert decision.rule == "12 out of scope", flags
        assert [a.params.get("key") for a in decision.actions] == ["out_of_scope"]


def test_threshold_candidates_round_down_so_the_lowest_score_is_kept():
    # Rounded to nearest, 0.52446 would give the cut 0.5245 and reject that very message.
    cut, base, kept = choose_threshold(np.array([0.52446, 0.9]), ["a", "b"], ["a", "b"], 0.0)
    assert cut == 0.5244
    assert base == kept == 1.0


def test_the_cut_needs_held_out_messages(settings, tiny_nlu, novelty_model):
    # The shipped settings ask for it, with calibration sets to choose it on...
    assert settings.classifier.novelty_budget > 0 and settings.paths.calibration_data
    # ...but a model calibrated on a split of its own examples (the tiny one) has none,
    # while one given held-out messages has one.
    assert tiny_nlu.classifier.calibration.novelty_threshold is None
    assert not tiny_nlu.parse(UNLIKE_ANYTHING[0]).has(UNFAMILIAR)
    _settings, out, _examples = novelty_model
    assert NLU.load(_settings, out, check_fresh=False).classifier.calibration.novelty_threshold


def test_a_model_missing_its_neighbours_asks_for_training(novelty_model, tmp_path: Path):
    settings, out, _examples = novelty_model
    copy = tmp_path / "model"
    shutil.copytree(out, copy)
    (copy / NEIGHBOURS_FILE).unlink()
    with pytest.raises(ModelNotReadyError, match="supportbot train"):
        NLU.load(settings, copy, check_fresh=False)


def test_a_novelty_budget_above_the_whole_drop_stops_start_up(tmp_path: Path):
    from bot.config import load_settings
    from tests.conftest import ROOT

    config = tmp_path / "config.yml"
    text = (ROOT / "config.yml").read_text()
    assert re.search(r"^  novelty_budget: [0-9.]+$", text, flags=re.MULTILINE)
    config.write_text(re.sub(r"^  novelty_budget: [0-9.]+$", "  novelty_budget: 0.05", text,
                             count=1, flags=re.MULTILINE))
    with pytest.raises(ConfigError, match=r"novelty_budget"):
        load_settings(config)


def _spread_intents(rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """Two intents in 6 dimensions: "a" around axis 0, in two groups either side of it
    along axis 2; "b" around axis 1."""
    rows, labels = [], []
    for sign in (1.0, -1.0):
        for _ in range(20):
            rows.append(np.array([1.0, 0.0, 0.9 * sign, 0, 0, 0]) + rng.normal(0, 0.05, 6))
            labels.append("a")
    for _ in range(40):
        rows.append(np.array([0.0, 1.0, 0, 0, 0, 0]) + rng.normal(0, 0.05, 6))
        labels.append("b")
    return np.array(rows), labels


@pytest.mark.parametrize("reference", ["example", "intent_centre"])
def test_the_cut_can_measure_against_the_given_intents_centre(settings: Settings, reference):
    from bot.nlu.classifier import IntentClassifier

    rng = np.random.default_rng(0)
    vectors, labels = _spread_intents(rng)
    held_vectors, held_labels = _spread_intents(rng)
    classifier = IntentClassifier(settings.classifier.model_copy(update={
        "char_ngrams": False, "word_ngrams": False, "novelty_budget": 0.01,
        "oos_max_accuracy_drop": 0.02, "novelty_reference": reference}))
    texts = [""] * len(labels)
    classifier.fit(texts, vectors, labels)
    classifier.calibrate(texts, held_vectors, held_labels)
    assert classifier.neighbours is not None
    # An unseen intent beside "a": close to a group of its examples (cosine ~0.98), but
    # off the centre of "a" (cosine ~0.67), which sits on axis 0.
    probe = np.array([[1.0, 0.0, 1.1, 0.0, 0.0, 0.0]])
    probs = classifier.probabilities([""], probe)
    assert classifier.classes[int(probs.argmax())] == "a"
    similarity = float(classifier.similarity_to_training(probe, probs)[0])
    if reference == "intent_centre":
        assert classifier.neighbours.shape == (2, 6)
        assert np.allclose(np.linalg.norm(classifier.neighbours, axis=1), 1.0)
        assert similarity == pytest.approx(0.67, abs=0.03)
        assert classifier.unfamiliar(probe, probs)[0]
        with pytest.raises(ValueError, match="needs the probabilities"):
            classifier.similarity_to_training(probe)
    else:
        assert classifier.neighbours.shape == (80, 6)
        assert similarity > 0.95
        assert not classifier.unfamiliar(probe, probs)[0]
