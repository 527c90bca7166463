"""TfidfVectorizer.transform for the few messages of one turn, without sklearn's per-call
input checks.

For a batch of one to a few short texts, sklearn's transform spends most of its time
validating its own arrays (about 2 ms a call, three vectorizers a message). This computes
the same matrix from the fitted vocabulary and idf weights: counts of the analyzer's
terms, sublinear tf (1 + log), idf, l2 norm. tests/nlu/test_tfidf.py checks it against
sklearn's result.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.extmath import safe_sparse_dot


class FastTfidf:
    def __init__(self, vectorizer: TfidfVectorizer):
        if not (vectorizer.sublinear_tf and vectorizer.norm == "l2" and vectorizer.use_idf):
            raise ValueError("FastTfidf reproduces sublinear, l2-normalised tf-idf only")
        self.vectorizer = vectorizer
        self.analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.width = len(self.vocabulary)
        self.dtype: Any = vectorizer.dtype

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        indptr: list[int] = [0]
        indices: list[int] = []
        values: list[float] = []
        for text in texts:
            counts = Counter(self.vocabulary[term] for term in self.analyze(text)
                             if term in self.vocabulary)
            columns = sorted(counts)
            weights = [(1.0 + math.log(counts[c])) * self.idf[c] for c in columns]
            norm = math.sqrt(sum(w * w for w in weights)) or 1.0
            indices.extend(columns)
            values.extend(w / norm for w in weights)
            indptr.append(len(indices))
        return sparse.csr_matrix((np.array(values, dtype=self.dtype),
                                  np.array(indices, dtype=np.int32), np.array(indptr)),
                                 shape=(len(texts), self.width))


class GramViews:
    """A linear model over the sentence vector and several vectorizers of the same texts:
    fitted with sklearn, read with FastTfidf. The fast readers are rebuilt after
    unpickling rather than stored twice. Subclasses set `grams` and `model`, and may add
    columns of their own (`extra_features`)."""

    grams: list[TfidfVectorizer]
    fast: list[FastTfidf]
    model: Any  # a fitted linear model (coef_, intercept_)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "fast": []}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.fast = [FastTfidf(vectorizer) for vectorizer in self.grams]

    def extra_features(self, texts: Sequence[str]) -> list[sparse.csr_matrix]:
        return []

    def _features(self, texts: Sequence[str], vectors: np.ndarray,
                  fit: bool = False) -> sparse.csr_matrix:
        if fit:
            grams = [vectorizer.fit_transform(texts) for vectorizer in self.grams]
            self.fast = [FastTfidf(vectorizer) for vectorizer in self.grams]
        else:
            grams = [fast.transform(texts) for fast in self.fast]
        return sparse.hstack([sparse.csr_matrix(vectors), *grams,
                              *self.extra_features(texts)], format="csr")

    def logits(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """decision_function without sklearn's per-call validation (our own features)."""
        return np.asarray(safe_sparse_dot(self._features(texts, vectors), self.model.coef_.T,
                                          dense_output=True) + self.model.intercept_)
