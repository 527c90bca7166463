"""The incident detector's neighbour vote: what it adds to the linear model, and that it
survives being saved. Small real fits (sklearn, numpy); the vectors stand in for sentence
vectors: two clusters, incidents around one direction and routine messages around
another."""

import pickle

import numpy as np
import pytest

from bot.config import SafetySettings
from bot.nlu.incidents import NOT_INCIDENT, TAKEOVER, IncidentDetector

_INCIDENT_TEXTS = ["that login was not me", "a withdrawal i never made", "someone traded",
                   "not me who changed the email", "my balance is gone not me"]
_ROUTINE_TEXTS = ["withdrawal pending two days", "how do i enable 2fa", "deposit not here",
                  "what are the fees", "my order was cancelled"]


def _cluster(rng: np.random.Generator, centre: np.ndarray, n: int) -> np.ndarray:
    return centre + 0.05 * rng.standard_normal((n, len(centre)))


@pytest.fixture(scope="module")
def data() -> tuple[list[str], np.ndarray, list[str]]:
    rng = np.random.default_rng(0)
    incident_centre, routine_centre = np.eye(16)[0], np.eye(16)[1]
    texts = _INCIDENT_TEXTS * 8 + _ROUTINE_TEXTS * 8
    vectors = np.vstack([_cluster(rng, incident_centre, 40), _cluster(rng, routine_centre, 40)])
    labels = [TAKEOVER] * 40 + [NOT_INCIDENT] * 40
    return texts, vectors, labels


def _fitted(weight: float, data: tuple[list[str], np.ndarray, list[str]]) -> IncidentDetector:
    texts, vectors, labels = data
    settings = SafetySettings(incident_neighbour_weight=weight, incident_neighbours=5)
    detector = IncidentDetector(settings)
    detector.fit_once(texts, vectors, labels)
    return detector


def test_without_weight_the_score_is_the_linear_models(data):
    texts, vectors, _ = data
    detector = _fitted(0.0, data)
    probs = detector._probabilities(texts[:3], vectors[:3])
    calm = list(detector.model.classes_).index(NOT_INCIDENT)
    assert np.allclose(detector.incident_probability(texts[:3], vectors[:3]),
                       1.0 - probs[:, calm])


def test_the_vote_follows_the_nearest_remembered_messages(data):
    _, vectors, _ = data
    linear, voting = _fitted(0.0, data), _fitted(0.5, data)
    # Words of a routine message, the sentence vector of an incident: the vote sides with
    # the neighbours in vector space, so the blended score sits above the linear one.
    query_text, query = [_ROUTINE_TEXTS[0]], vectors[:1]
    vote = voting._neighbour_vote(query)
    assert vote is not None and vote[0] > 0.99
    assert (voting.incident_probability(query_text, query)[0]
            > linear.incident_probability(query_text, query)[0])
    routine_vote = voting._neighbour_vote(vectors[-1:])
    assert routine_vote is not None and routine_vote[0] < 0.01


def test_the_memory_is_saved_small_and_scores_the_same_after_loading(data):
    texts, vectors, _ = data
    detector = _fitted(0.5, data)
    before = detector.incident_probability(texts[:4], vectors[:4])
    saved = pickle.dumps(detector)
    assert pickle.loads(saved).memory.dtype == np.float32
    assert detector.memory is not None
    unsaved = detector.memory.nbytes
    detector.memory = None
    assert len(saved) - len(pickle.dumps(detector)) < 0.6 * unsaved  # saved as float16
    detector.memory = pickle.loads(saved).memory
    assert np.allclose(detector.incident_probability(texts[:4], vectors[:4]), before,
                       atol=1e-3)
