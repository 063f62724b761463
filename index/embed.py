"""Which embedder computes stored and query vectors, and how vectors are stored.

Two backends compute the same vectors (``index.model_spec`` says which model):

* ``index.reference_model.SentenceTransformerEmbedder`` — the reference; importing
  sentence-transformers and torch costs ~8 s of CPU here, so a cold CLI query must not need it.
* ``index.onnx_model.OnnxEmbedder`` — an ONNX export of the same transformer run by onnxruntime
  with the ``tokenizers`` package (~0.4 s to load). It is used only once its export has been
  verified against the reference, and then for indexing too, so stored vectors and query vectors
  come from one backend and share its name.

Every embedder returns float32 rows of unit length, so inner product is cosine similarity.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from index import onnx_export, onnx_model
from index.model_spec import Embedder, ModelSpec, model_spec
from index.reference_model import reference_embedder
from library.errors import SyllabusError

if TYPE_CHECKING:
    import numpy as np

# One loaded model per process and export: loading costs seconds, a model is read-only.
_LOADED: dict[tuple[str, ...], Embedder] = {}
_LOADED_LOCK = threading.Lock()


def get_embedder(
    conn: sqlite3.Connection | None = None, *, spec: ModelSpec | None = None, export: bool = True
) -> Embedder:
    """The embedder for stored and query vectors of the configured model.

    The verified ONNX export when there is one whose files are intact; otherwise (``export``) make
    it now — a one-off ~25 s that later cold queries are spared, or ~10 s to repair a damaged int8
    file — and fall back to the reference backend if it cannot be made or does not agree with it.
    """
    spec = spec or model_spec(conn)
    key = (spec.name, spec.source, str(onnx_model.export_dir(spec)))
    with _LOADED_LOCK:  # the app's model, search and index workers may all ask at once
        if key in _LOADED:
            return _LOADED[key]
        made = onnx_model.load_export(spec)
        if made is None and export and not onnx_model.export_failed(spec):
            made = onnx_export.export(spec)
        if made is not None:
            _LOADED[key] = onnx_model.OnnxEmbedder(made)
            return _LOADED[key]
    return reference_embedder(spec)


class BrokenVectors(SyllabusError):
    """The embedder gave NaN or infinite numbers: its model file is damaged (never stored)."""


def finite_rows(vectors: np.ndarray) -> np.ndarray:
    """A boolean per row: every number in it is finite (a NaN row would poison FAISS and ranking)."""
    import numpy as np

    return np.isfinite(vectors).all(axis=1)


def check_finite(embedder: Embedder, vectors: np.ndarray) -> np.ndarray:
    """``vectors`` when every row is finite; else the export is marked damaged and this raises."""
    bad = int((~finite_rows(vectors)).sum())
    if bad:
        if isinstance(embedder, onnx_model.OnnxEmbedder):
            onnx_model.discard(embedder.spec, f"{bad} of {len(vectors)} vectors were not finite numbers")
            with _LOADED_LOCK:
                for key in [k for k, v in _LOADED.items() if v is embedder]:
                    del _LOADED[key]
        raise BrokenVectors(
            f"the embedding model ({embedder.name}) gave {bad} broken vector(s); its ONNX export is made "
            "again on the next run (see `syllabus index status`)"
        )
    return vectors


def to_blob(vector: np.ndarray) -> bytes:
    import numpy as np

    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blobs(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    import numpy as np

    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim).astype(np.float32, copy=False)
