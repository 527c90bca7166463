"""Is a post in a public group a scam (fake support inviting DMs, "send 1 get 2",
requests for seed phrases, fake airdrops, recovery and investment offers)? Learned in
twelve languages from safety_data/scam/ (scam_post vs group_chatter, the chatter full of
look-alikes: warnings against scams, "is this legit?", official airdrop questions), plus
every intent example except phishing_scam as chatter: support questions are what groups
are mostly made of.

The score is an even blend of three readers: the linear model, and two votes of the
nearest remembered group posts (safety_data/scam's, not the intent examples), one by
sentence vector, one by letter grams. A stranger's post resembles an earlier stranger's
post (a scam, or a member's warning in the same words) more closely than any straight
line through the feature space does. Compared leave-one-set-out on the spent blind sets
(`python -m bench.scam_folds`): at 1% false warnings the linear model alone kept 84% of
the scams, the blend 96%.

A false warning under an ordinary member's question is a public accusation, so the cut is
chosen for precision: `safety.scam_cut`, chosen on the spent blind sets left out of
training in turn; without it, the lowest cut that keeps false warnings on a held-out part
of the training data at or under `safety.scam_false_alarms`."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from bot.nlu.folding import fold
from bot.nlu.neighbours import similarity_vote, unit_rows
from bot.nlu.tfidf import FastTfidf, GramViews

SCAM_POST = "scam_post"
GROUP_CHATTER = "group_chatter"
SCAM_LABELS = (SCAM_POST, GROUP_CHATTER)
_HELD_OUT = 0.2
_TFIDF = {"sublinear_tf": True, "min_df": 2, "preprocessor": fold, "dtype": np.float32}

# Handles, links and addresses are invented afresh for every scam, and the same names turn
# up in members' warnings ("@Support_Desk is fake, block it"). Their letters ("support",
# "verify", "official") taught the letter grams that naming a handle is the scam; read as
# one placeholder each, the grams learn what the post does with it: recommends it, or
# warns against it.
_REFERENCES = (
    (re.compile(r"(?:https?://)?t\.me/\S+", re.I), " tlink "),
    (re.compile(r"(?:https?://)?(?:www\.)?(?:[\w-]+\.)+[a-z]{2,12}(?:/\S*)?", re.I),
     " weblink "),
    (re.compile(r"@\w{3,}"), " @handle "),
    (re.compile(r"\b(?:0x[0-9a-fA-F]{8,}|(?=[A-Za-z]*\d)[A-Za-z0-9]{25,})\b"), " cryptoaddr "),
)


def without_names(text: str) -> str:
    """The post with each handle, link and address replaced by a placeholder."""
    for pattern, placeholder in _REFERENCES:
        text = pattern.sub(placeholder, text)
    return text


# How many remembered posts vote, and how sharply the nearest outweighs the rest
# (exp(similarity / temperature)); chosen with bench.scam_folds.
_NEIGHBOURS = 10
_TEMPERATURE = 0.05


class ScamPostDetector(GramViews):
    def __init__(self, false_alarms: float = 0.005, C: float = 16.0):
        self.false_alarms = false_alarms
        self.model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced",
                                        random_state=0)
        # Letters within words survive typos and missing accents; letters across words
        # catch "dm me", "t.me/", "x2"; the sentence vector carries the meaning across
        # languages.
        self.grams = [TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                                      max_features=80_000, **_TFIDF),
                      TfidfVectorizer(analyzer="char", ngram_range=(3, 5),
                                      max_features=60_000, **_TFIDF)]
        self.fast: list[FastTfidf] = []
        self.cut = 0.5
        self.heldout_recall: float | None = None
        self.heldout_false_alarms: float | None = None
        # The remembered group posts: unit sentence vectors, the first gram view's rows
        # (transposed: a post's grams pick the memory's rows), and which are scams.
        self.memory_vectors: np.ndarray | None = None
        self.memory_grams_t: sparse.csr_matrix | None = None
        self.memory_scam: np.ndarray | None = None

    def fit(self, texts: Sequence[str], vectors: np.ndarray, labels: Sequence[str],
            remembered: Sequence[bool] | None = None) -> None:
        """`remembered`: which rows are group posts the neighbours' vote may recall (all
        when not given); the intent examples teach the linear model only."""
        labels = list(labels)
        keep = np.ones(len(labels), bool) if remembered is None else np.asarray(remembered)
        fit_rows, held_rows = train_test_split(np.arange(len(labels)), test_size=_HELD_OUT,
                                               random_state=0, stratify=labels)
        trial = ScamPostDetector(self.false_alarms, self.model.C)
        trial.fit_once([texts[i] for i in fit_rows], vectors[fit_rows],
                       [labels[i] for i in fit_rows], keep[fit_rows])
        scores = trial.probability([texts[i] for i in held_rows], vectors[held_rows])
        scam = np.array([labels[i] == SCAM_POST for i in held_rows])
        self.cut = choose_precise_cut(scores[~scam], self.false_alarms)
        self.heldout_recall = float((scores[scam] >= self.cut).mean())
        self.heldout_false_alarms = float((scores[~scam] >= self.cut).mean())
        self.fit_once(texts, vectors, labels, keep)

    def fit_once(self, texts: Sequence[str], vectors: np.ndarray, labels: Sequence[str],
                 remembered: np.ndarray) -> None:
        """The linear model and the neighbours' memory, without choosing a cut."""
        self.model.fit(self._features(texts, vectors, fit=True), list(labels))
        rows = [int(i) for i in np.flatnonzero(remembered)]
        self.memory_vectors = unit_rows(vectors[rows])
        self.memory_grams_t = self.fast[0].transform(
            [without_names(texts[i]) for i in rows]).T.tocsr()
        self.memory_scam = np.array([labels[i] == SCAM_POST for i in rows], np.float32)

    def _features(self, texts: Sequence[str], vectors: np.ndarray,
                  fit: bool = False) -> sparse.csr_matrix:
        return super()._features([without_names(text) for text in texts], vectors, fit)

    def probability(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        logits = self.logits(texts, vectors)
        # Two classes: one logit for classes_[1].
        p_second = 1.0 / (1.0 + np.exp(-logits[:, 0]))
        linear = p_second if self.model.classes_[1] == SCAM_POST else 1.0 - p_second
        # getattr: a model pickled before the memory existed scores with the line alone.
        memory_scam = getattr(self, "memory_scam", None)
        if memory_scam is None or not len(memory_scam):
            return np.asarray(linear)
        assert self.memory_vectors is not None and self.memory_grams_t is not None
        by_meaning = similarity_vote(unit_rows(vectors) @ self.memory_vectors.T,
                                     memory_scam, _NEIGHBOURS, _TEMPERATURE)
        grams = self.fast[0].transform([without_names(text) for text in texts])
        letters = (grams @ self.memory_grams_t).toarray()
        by_letters = similarity_vote(letters, memory_scam, _NEIGHBOURS, _TEMPERATURE)
        # A post sharing no letter gram with any remembered post (a script none of them
        # is written in) has no letter neighbours: the ten "nearest" would be whichever
        # rows come first. Its score is the other two readers' alone.
        unread = letters.max(axis=1) <= 0
        blended = (linear + by_meaning + by_letters) / 3.0
        return np.asarray(np.where(unread, (linear + by_meaning) / 2.0, blended))

    def is_scam(self, texts: Sequence[str], vectors: np.ndarray,
                cut: float | None = None) -> list[bool]:
        threshold = self.cut if cut is None else cut
        return [bool(p >= threshold) for p in self.probability(texts, vectors)]


def choose_precise_cut(chatter_scores: np.ndarray, false_alarms: float) -> float:
    """The lowest cut that leaves at most `false_alarms` of the chatter above it."""
    if not len(chatter_scores):
        return 0.5
    ordered = np.sort(chatter_scores)[::-1]
    allowed = int(np.floor(false_alarms * len(ordered)))
    return float(min(np.ceil(ordered[allowed] * 1e4) / 1e4 + 1e-4, 0.99))
