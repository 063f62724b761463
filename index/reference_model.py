"""The reference embedding backend: sentence-transformers on torch (CPU).

Importing sentence-transformers and torch costs ~8 s of CPU here, so a cold CLI query must not
need this module's model: it is what the ONNX export is checked against (``index.onnx_model``)
and what queries fall back to when no verified export can be made.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from index import private_runtime
from index.model_spec import ModelSpec
from library.errors import SyllabusError

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer


def _offline() -> None:
    # Never reach a model hub: the model is local (site-packages or the HF cache) or it is an error.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


class SentenceTransformerEmbedder:
    """sentence-transformers' own ``encode()``: full precision, its own batching and truncation."""

    def __init__(self, spec: ModelSpec, batch_size: int = 32):
        self.spec = spec
        self.name = spec.name
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:  # the app's workers may ask at once; load it once
            if self._model is None:
                _offline()
                private_runtime.torch_caches_in_home()
                # ~6.5 s to import sentence-transformers (torch included) on this machine; only here.
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                # Its "Loading weights" bar would tear through our own progress bar on stderr.
                hf_logging.disable_progress_bar()
                try:
                    self._model = SentenceTransformer(self.spec.source, device="cpu")
                except Exception as exc:  # OSError for a name not in the local cache, and friends
                    raise SyllabusError(f"cannot load embedding model {self.spec.source!r}: {exc}") from exc
            return self._model

    @property
    def dim(self) -> int:
        get = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        dim = get()
        if dim is None:
            raise SyllabusError(f"embedding model {self.spec.source!r} does not say its dimension")
        return int(dim)

    @property
    def max_seq_length(self) -> int:
        length = self.model.max_seq_length
        if length is None:
            raise SyllabusError(f"embedding model {self.spec.source!r} does not say its maximum length")
        return int(length)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np  # cheap once anything above has run

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


# One loaded model per process and model: loading costs seconds, a model is read-only.
_LOADED: dict[tuple[str, str], SentenceTransformerEmbedder] = {}
_LOADED_LOCK = threading.Lock()


def reference_embedder(spec: ModelSpec) -> SentenceTransformerEmbedder:
    key = (spec.name, spec.source)
    with _LOADED_LOCK:
        if key not in _LOADED:
            _LOADED[key] = SentenceTransformerEmbedder(spec)
        return _LOADED[key]
