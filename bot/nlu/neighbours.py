"""A vote of the nearest remembered examples, shared by the detectors that blend one with
their linear model (incidents, scam posts): pure functions over arrays."""

from __future__ import annotations

import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (a zero row stays zero), as float32."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def similarity_vote(similarity: np.ndarray, positive: np.ndarray, neighbours: int,
                    temperature: float) -> np.ndarray:
    """For each row of `similarity` (queries x memory), the share of `positive` memory
    rows among its `neighbours` nearest, each weighted by exp(similarity / temperature)
    relative to the nearest."""
    k = min(neighbours, similarity.shape[1])
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(similarity, nearest, axis=1)
    weights = np.exp((top - top.max(axis=1, keepdims=True)) / temperature)
    return np.asarray((weights * positive[nearest]).sum(axis=1) / weights.sum(axis=1))
