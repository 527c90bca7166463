"""The sentence-transformers backend on the bundled MiniLM, with and without layers."""

from __future__ import annotations

import numpy as np

from bot.config import SentenceTransformerBackend
from bot.nlu.embeddings import SentenceTransformerEmbedder


def test_pooled_layers_are_unit_blocks_and_the_last_is_the_usual_vector():
    texts = ["my deposit has not arrived", "how do I enable 2FA?"]
    plain = SentenceTransformerEmbedder(SentenceTransformerBackend(threads=1))
    layered = SentenceTransformerEmbedder(SentenceTransformerBackend(threads=1, layers=(3, 6)))
    assert layered.dim == 2 * plain.dim
    vectors = layered.encode(texts)
    assert vectors.shape == (2, layered.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    last = vectors[:, plain.dim:] * np.sqrt(2)
    np.testing.assert_allclose(last, plain.encode(texts), atol=1e-5)
    # The middle layer is a different view, not a copy of the last.
    assert not np.allclose(vectors[:, :plain.dim] * np.sqrt(2), last, atol=1e-2)
