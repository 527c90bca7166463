"""Intent classifier: logistic regression on sentence vectors (+ character n-grams).

The confidence is calibrated by temperature scaling on held-out data, and the
out-of-scope threshold is chosen on the same held-out data by a stated rule (see
`choose_threshold`), then stored with the model: nobody picks it by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.extmath import safe_sparse_dot

from bot.config import ClassifierSettings, FineTuneSettings
from bot.nlu.fine_tuning import FineTunedEnsemble
from bot.nlu.probabilities import softmax
from bot.nlu.tfidf import FastTfidf
from bot.taxonomy import OUT_OF_SCOPE

NEIGHBOURS_FILE = "neighbours.npy"


@dataclass
class Calibration:
    temperature: float = 1.0
    threshold: float = 0.0
    # Below this cosine similarity to the nearest training example a message is out of
    # scope whatever its confidence; None: no such cut (off, or a model from before it).
    novelty_threshold: float | None = None
    heldout_accuracy: float | None = None
    heldout_accuracy_at_threshold: float | None = None
    heldout_size: int = 0


class IntentClassifier:
    def __init__(self, settings: ClassifierSettings):
        self.settings = settings
        self.model = LogisticRegression(
            C=settings.C, max_iter=settings.max_iter, random_state=settings.random_seed
        )
        # (vectorizer, weight) per lexical block; fitted on the training texts.
        self.lexical: list[tuple[TfidfVectorizer, float]] = []
        if settings.char_ngrams:
            self.lexical.append((TfidfVectorizer(
                analyzer="char_wb", ngram_range=tuple(settings.char_ngram_range),
                sublinear_tf=True, min_df=2, lowercase=True, dtype=np.float32,
            ), settings.char_ngram_weight))
        if settings.word_ngrams:
            self.lexical.append((TfidfVectorizer(
                analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                lowercase=True, dtype=np.float32,
            ), settings.word_ngram_weight))
        self.calibration = Calibration()
        # Optional fine-tuned models (classifier.fine_tune): saved beside the pickle, not
        # in it.
        self.fine_tuned: FineTunedEnsemble | None = None

        # The novelty cut's references (neighbours.npy), unit vectors: the training
        # examples, or one centre per intent in the order of `classes`
        # (settings.novelty_reference).
        self.neighbours: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["fine_tuned"] = None
        state["neighbours"] = None
        state.pop("_fast", None)  # rebuilt from the vectorizers on first use
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("fine_tuned", None)  # pickled before fine-tuning existed
        state.setdefault("neighbours", None)
        self.__dict__.update(state)
        # Pickled before the cut existed: record that it has none.
        self.calibration.__dict__.setdefault("novelty_threshold", None)

    def save_extras(self, model_dir: Path) -> None:
        if self.fine_tuned is not None:
            self.fine_tuned.save(model_dir)
        # Only a model with a similarity cut reads them back (load_extras).
        if self.neighbours is not None and self.calibration.novelty_threshold is not None:
            np.save(model_dir / NEIGHBOURS_FILE, self.neighbours)

    def load_extras(self, model_dir: Path) -> None:
        if self.calibration.novelty_threshold is not None:
            self.neighbours = np.load(model_dir / NEIGHBOURS_FILE)
        tuning = getattr(self.settings, "fine_tune", None)  # older models lack the field
        if tuning is not None:
            # Re-validated: a 0.3.0 pickle lacks the later fields; they take defaults.
            tuning = FineTuneSettings.model_validate(dict(tuning.__dict__))
            self.fine_tuned = FineTunedEnsemble.load(tuning, model_dir)
            if self.fine_tuned.classes != self.classes:
                raise ValueError("the fine-tuned model and the regression know different "
                                 "intents")

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.model.classes_]

    def _features(self, texts: Sequence[str], vectors: np.ndarray, fit: bool = False) -> object:
        dense = vectors * self.settings.dense_weight
        if not self.lexical:
            return dense
        blocks = [sparse.csr_matrix(dense)]
        for vectorizer, weight in self.lexical:
            if fit:
                grams = vectorizer.fit_transform(texts)
            else:
                # Our own fitted vectorizer on a list of strings: sklearn's per-call
                # checks cost more than the transform for a few messages.
                grams = self._fast_tfidf(vectorizer).transform(texts)
            blocks.append(grams * weight)
        return sparse.hstack(blocks, format="csr")

    def _fast_tfidf(self, vectorizer: TfidfVectorizer) -> FastTfidf:
        fast: dict[int, FastTfidf] = self.__dict__.setdefault("_fast", {})
        if id(vectorizer) not in fast:
            fast[id(vectorizer)] = FastTfidf(vectorizer)
        return fast[id(vectorizer)]

    def fit(self, texts: Sequence[str], vectors: np.ndarray, labels: Sequence[str],
            progress: bool = False) -> None:
        self.__dict__.pop("_fast", None)
        self.model.fit(self._features(texts, vectors, fit=True), list(labels))
        if self.settings.novelty_budget > 0:
            self.neighbours = _unit(vectors)
            if self._by_intent_centre():
                given = np.asarray(labels)
                self.neighbours = _unit(np.stack([
                    self.neighbours[given == name].mean(axis=0) for name in self.classes]))
        if self.settings.fine_tune is not None:
            self.fine_tuned = FineTunedEnsemble.train(self.settings.fine_tune, texts, labels,
                                                      progress)

    def logits(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        # decision_function's arithmetic without its input validation (about 10% of the
        # understanding thread's time for a few messages): the features are ours.
        features = self._features(texts, vectors)
        scores = np.asarray(safe_sparse_dot(features, self.model.coef_.T, dense_output=True)
                            + self.model.intercept_)
        if scores.shape[1] == 1:  # two classes: one column of scores for the second
            scores = scores[:, 0]
            scores = np.stack([-scores, scores], axis=1) / 2
        scores = np.asarray(scores, dtype=np.float64)
        if self.fine_tuned is None or not len(texts):
            return scores
        # Average the two models' probabilities; the log of the average serves as the
        # logits, so the temperature and the threshold are fitted on the mixture.
        share = self.fine_tuned.settings.share
        mixed = ((1 - share) * softmax(scores)
                 + share * softmax(self.fine_tuned.logits(texts)))
        return np.asarray(np.log(mixed + 1e-12), dtype=np.float64)

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        return softmax(self.logits(texts, vectors) / self.calibration.temperature)

    def _by_intent_centre(self) -> bool:
        # Models pickled before the setting existed measured against examples.
        return getattr(self.settings, "novelty_reference", "example") == "intent_centre"

    def similarity_to_training(self, vectors: np.ndarray,
                               probabilities: np.ndarray | None = None) -> np.ndarray:
        """Cosine similarity of each vector to its nearest training example, or to the
        centre of the intent it was given (`probabilities`' top intent; needed then)."""
        if not len(vectors):
            return np.ones(0)
        if self.neighbours is None:
            raise ValueError("the similarity cut needs the training vectors: load the model "
                             "with load_extras (neighbours.npy)")
        if self._by_intent_centre():
            if probabilities is None:
                raise ValueError("novelty_reference intent_centre needs the probabilities")
            centres = self.neighbours[probabilities.argmax(axis=1)]
            return np.asarray(np.einsum("ij,ij->i", _unit(vectors), centres),
                              dtype=np.float64)
        return np.asarray((_unit(vectors) @ self.neighbours.T).max(axis=1), dtype=np.float64)

    def unfamiliar(self, vectors: np.ndarray,
                   probabilities: np.ndarray | None = None) -> np.ndarray:
        """Messages unlike what was trained on: out of scope by the novelty cut."""
        cut = self.calibration.novelty_threshold
        if cut is None or not len(vectors):
            return np.zeros(len(vectors), dtype=bool)
        return np.asarray(self.similarity_to_training(vectors, probabilities) < cut)

    def out_of_scope(self, probabilities: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Both cuts: confidence below the threshold, or unlike anything trained on."""
        return np.asarray((probabilities.max(axis=1) < self.calibration.threshold)
                          | self.unfamiliar(vectors, probabilities))

    def calibrate(self, texts: Sequence[str], vectors: np.ndarray, labels: Sequence[str]) -> None:
        """Fit the temperature and the out-of-scope cuts (confidence, and similarity to
        training when novelty_budget > 0) on held-out examples."""
        logits = self.logits(texts, vectors)
        index = {c: i for i, c in enumerate(self.classes)}
        known = np.array([label in index for label in labels])
        targets = np.array([index.get(label, -1) for label in labels])
        if known.sum() >= 2:
            self.calibration.temperature = fit_temperature(logits[known], targets[known])
        probs = softmax(logits / self.calibration.temperature)
        predicted = [self.classes[i] for i in probs.argmax(axis=1)]
        expected = [label if label in index else OUT_OF_SCOPE for label in labels]
        # The accuracy budget is split between the two cuts. A correct answer lost to
        # either counts once, so together they cost at most the whole budget.
        budget = self.settings.oos_max_accuracy_drop
        novelty = self.settings.novelty_budget if self.neighbours is not None else 0.0
        threshold, base, _ = choose_threshold(probs.max(axis=1), predicted, expected,
                                              budget - novelty)
        self.calibration.threshold = threshold
        self.calibration.novelty_threshold = None
        if novelty > 0:
            cut, _, _ = choose_threshold(self.similarity_to_training(vectors, probs),
                                         predicted, expected, novelty)
            # 0 (no in-scope held-out data, or nothing could be cut) is no cut at all.
            self.calibration.novelty_threshold = cut if cut > 0 else None
        rejected = self.out_of_scope(probs, vectors)
        correct = np.array([p == e and not r for p, e, r in
                            zip(predicted, expected, rejected, strict=True)])
        in_scope = np.array([e != OUT_OF_SCOPE for e in expected])
        self.calibration.heldout_accuracy = base
        self.calibration.heldout_accuracy_at_threshold = (
            float(correct[in_scope].mean()) if in_scope.any() else None)
        self.calibration.heldout_size = len(labels)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood on held-out data."""

    def nll(temperature: float) -> float:
        probs = softmax(logits / temperature)
        return float(-np.log(probs[np.arange(len(targets)), targets] + 1e-12).mean())

    result = minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded")
    return float(result.x)


def choose_threshold(
    confidence: np.ndarray, predicted: Sequence[str], expected: Sequence[str], max_drop: float
) -> tuple[float, float | None, float | None]:
    """The highest cut on a score (confidence, or similarity to training) that keeps
    in-scope accuracy within `max_drop`.

    Below the cut a message counts as out of scope. Rejecting more catches more
    out-of-scope messages but turns correct in-scope answers into handoffs; the rule caps
    that cost. In-scope accuracy counts a rejected in-scope message as wrong.
    """
    in_scope = np.array([label != OUT_OF_SCOPE for label in expected])
    if not in_scope.any():
        return 0.0, None, None
    correct = np.array([p == e for p, e in zip(predicted, expected, strict=True)])
    conf_in = confidence[in_scope]
    correct_in = correct[in_scope]
    base = float(correct_in.mean())
    best = 0.0
    # Candidate cuts rounded down, so a cut never lands just above the score it was
    # taken from (rounding to nearest could reject that very message).
    for cut in np.unique(np.floor(confidence * 1e4) / 1e4):
        accuracy = float((correct_in & (conf_in >= cut)).mean())
        if accuracy >= base - max_drop - 1e-9:
            best = max(best, float(cut))
    kept = float((correct_in & (conf_in >= best)).mean())
    return best, base, kept
