"""The ONNX export of the embedding model at run time: which variant, whether its files are intact,
and the embedder that runs it (onnxruntime and ``tokenizers`` only: no torch, ~0.4 s to load).

An export (made once by :mod:`index.onnx_export`) is a directory ``index_dir()/onnx/<model>/``:

* ``model.onnx`` — the transformer in full precision (fp32), checked against sentence-transformers;
* ``model-int8.onnx`` — the same with the weights of its matrix products quantised to int8 (dynamic,
  per channel; the token embeddings stay fp32), checked against the fp32 file; about twice as fast
  on this CPU;
* ``tokenizer.json`` and ``status.json``: what was verified, with the sha256 of every file.

The int8 variant is used when it was verified, else fp32. Its vectors differ slightly from the
reference (cosine ≥ :data:`INT8_MIN_COSINE` on the check sample, ~0.995 median on the corpus passages),
so they are stored under their own name (``all-MiniLM-L6-v2@int8``): one model's variants are never
mixed in a search, and a change of variant embeds every item once again (``index.update``).

Files are trusted only when their bytes are the ones verified: :func:`load_export` compares the
sha256 of the files the embedder needs with ``status.json`` whenever a file's identity (inode,
size, mtime, ctime) is not the one it had when last found good (:data:`CHECKED_FILE`), so a
truncated or garbled file is noticed before it is run and the export is made again; `index
status` hashes every file every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import private_runtime
from index.model_spec import VARIANT_SEPARATOR, ModelSpec
from library import atomic, paths

if TYPE_CHECKING:
    import numpy as np

FORMAT = 2  # 2: several variants, a sha256 per file
FP32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
STATUS_FILE = "status.json"

# The fp32 graph must agree with sentence-transformers (measured minimum 0.9999999).
MIN_COSINE = 0.999
# The int8 graph against the fp32 one on the check sample. Measured here: 0.99 on the sample; on 96
# corpus passages minimum 0.987, median 0.9945. Retrieval on the benchmark questions stays within
# 0.01 of fp32's (README, "Search"); quantising the token embeddings as well (quantize_dynamic's
# default) or reading fewer word pieces (192, 128) did not, so neither is done.
INT8_MIN_COSINE = 0.97
# Indexing runs one text per onnxruntime call, on WORKERS threads with one onnxruntime thread
# each. Measured against sentence-transformers on the same passages in the same run (2 shared
# cores): one text per call on 2 workers 4.9x, 8 per call on 2 workers 4.9x, 8 per call on one
# 2-thread session 4.8x, 32 per call 2.4-2.9x. One text per call also means no padding at all,
# and a text's int8 vector never depends on which texts shared its batch (the activations'
# quantisation range is taken over the whole batch).
WORKERS = max(1, min(4, os.cpu_count() or 1))


def export_dir(spec: ModelSpec) -> Path:
    return paths.index_dir() / "onnx" / spec.slug


def failure_path(spec: ModelSpec) -> Path:
    return paths.index_dir() / "onnx" / f"{spec.slug}.failed.json"


def read_status(spec: ModelSpec) -> dict | None:
    try:
        status = json.loads((export_dir(spec) / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


def export_failed(spec: ModelSpec) -> dict | None:
    """A recorded failed export of these very weights (not retried on every query)."""
    try:
        failure = json.loads(failure_path(spec).read_text())
    except (OSError, ValueError):
        return None
    return failure if isinstance(failure, dict) and failure.get("fingerprint") == spec.fingerprint() else None


# sha256 of files already read by this process, by path and identity (see _identity): a cold CLI
# query checks the export before it loads it, and must not pay for reading the files twice.
_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}
# Beside status.json: the identity (inode, size, mtime, ctime) each file had when its bytes were
# last hashed and found to be the verified ones. A program that writes a file (truncates, garbles,
# replaces it) changes its ctime, which no program can set back; so while the identity is the same
# the bytes are, and a cold query skips reading 58 MB (~50 ms, a tenth of its time). Damage below
# the file system (a bad disk sector) keeps the identity: `index status` always hashes.
CHECKED_FILE = "checked.json"


def _identity(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def file_digest(path: Path) -> dict[str, Any]:
    """What ``status.json`` records of a file: its size and sha256."""
    st = path.stat()
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _DIGESTS[key] = digest.hexdigest()
    return {"bytes": st.st_size, "sha256": _DIGESTS[key]}


def intact(directory: Path, status: dict, name: str, *, trust_identity: bool = False) -> bool:
    """Whether ``name`` in ``directory`` has the bytes ``status`` verified (size first: cheap).

    With ``trust_identity``, a file whose identity is the one recorded when its bytes were last
    found good (:data:`CHECKED_FILE`) is not read again."""
    expected = (status.get("files") or {}).get(name)
    path = directory / name
    try:
        if not expected or path.stat().st_size != expected.get("bytes"):
            return False
        if trust_identity and _checked(directory).get(name) == [*_identity(path), expected.get("sha256")]:
            return True
        good = file_digest(path)["sha256"] == expected.get("sha256")
    except OSError:
        return False
    if good:
        _remember_checked(directory, name, [*_identity(path), expected.get("sha256")])
    return good


def _checked(directory: Path) -> dict:
    try:
        checked = json.loads((directory / CHECKED_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return checked if isinstance(checked, dict) else {}


def _remember_checked(directory: Path, name: str, identity: list) -> None:
    checked = _checked(directory)
    if checked.get(name) == identity:
        return
    checked[name] = identity
    with contextlib.suppress(OSError):  # a read-only data home: the next load hashes again, that is all
        atomic.write_text(directory / CHECKED_FILE, json.dumps(checked))


def variant_name(spec: ModelSpec, variant: str, max_tokens: int, model_max: int) -> str:
    """The name vectors of this variant are stored under. fp32 at the model's own length computes
    what sentence-transformers computes, so it keeps the model's plain name (and its vectors); a
    text window other than the model's own is part of the name (benchmarks try shorter ones)."""
    name = spec.name if variant == "fp32" else f"{spec.name}{VARIANT_SEPARATOR}{variant}"
    return name if max_tokens == model_max else f"{name}-{max_tokens}"


@dataclass(frozen=True)
class Export:
    """A verified export and the variant of it to run."""

    spec: ModelSpec
    status: dict
    directory: Path
    variant: str  # "int8" | "fp32"

    @property
    def model_file(self) -> Path:
        return self.directory / (INT8_FILE if self.variant == "int8" else FP32_FILE)

    @property
    def model_max(self) -> int:
        return int(self.status["max_seq_length"])

    @property
    def max_tokens(self) -> int:
        return self.model_max

    @property
    def name(self) -> str:
        return variant_name(self.spec, self.variant, self.max_tokens, self.model_max)

    @property
    def min_cosine(self) -> float:
        return float(self.status[self.variant]["min_cosine"])


def usable_variant(status: dict) -> str | None:
    """The variant ``status`` vouches for, int8 first; None when not even fp32 was verified."""
    if not status.get("verified") or status.get("format") != FORMAT:
        return None
    for variant in ("int8", "fp32"):
        if "min_cosine" in (status.get(variant) or {}):
            return variant
    return None


def check_export(spec: ModelSpec, *, every_file: bool = False) -> tuple[Export | None, str]:
    """The usable export of ``spec`` and why not when there is none ("" / "missing" / "damaged: …").

    Only the files the chosen variant needs are hashed unless ``every_file`` (``index status``).
    """
    directory = export_dir(spec)
    status = read_status(spec)
    if status is None:
        try:
            discarded = json.loads((directory / f"{STATUS_FILE}.discarded").read_text())
            return None, f"discarded: {discarded['discarded']}"
        except (OSError, ValueError, KeyError, TypeError):
            return None, "missing"
    variant = usable_variant(status)
    if variant is None:
        return None, "not verified"
    if status.get("fingerprint") != spec.fingerprint():
        return None, "made from other weights"
    export = Export(spec, status, directory, variant)
    needed = [TOKENIZER_FILE, export.model_file.name]
    if every_file:
        needed += [f for f in (status.get("files") or {}) if f not in needed]
    broken = [name for name in needed if not intact(directory, status, name, trust_identity=not every_file)]
    if broken:
        return None, "damaged: " + ", ".join(f"{name} is not the file that was verified" for name in broken)
    return export, ""


def load_export(spec: ModelSpec) -> Export | None:
    return check_export(spec)[0]


def discard(spec: ModelSpec, why: str) -> None:
    """Stop trusting the export of ``spec`` (its vectors came out broken): the next use makes it again.
    The status is kept beside it as ``status.json.discarded`` with the reason, for `index status`."""
    directory = export_dir(spec)
    status = read_status(spec)
    if status is None:
        return
    status["discarded"] = why
    atomic.write_text(directory / f"{STATUS_FILE}.discarded", json.dumps(status, indent=2))
    (directory / STATUS_FILE).unlink(missing_ok=True)


def new_session(path: Path, threads: int = 0) -> Any:
    """Every onnxruntime session of the project is made here (one place to set its options)."""
    # ~0.15 s to import onnxruntime (telemetry off: index.private_runtime); only when a model runs.
    onnxruntime = private_runtime.import_onnxruntime()
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # Idle worker threads sleep instead of spinning: indexing runs beside the app (and other
    # programs); spinning measured slower here whenever the two cores were shared.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """The model's vectors from onnxruntime: mean pooling and L2 normalisation done here in numpy,
    as sentence-transformers does them (fp32: the same numbers to ~1e-6)."""

    def __init__(self, export: Export, *, max_tokens: int | None = None):
        self.export = export
        self.spec = export.spec
        # Word pieces read per text: the variant's own unless a check or a benchmark says otherwise
        # (the name says which, so such vectors are never taken for the variant's).
        self.max_tokens = max_tokens or export.max_tokens
        self.name = variant_name(export.spec, export.variant, self.max_tokens, export.model_max)
        self.dim = int(export.status["dim"])
        self._session: Any = None
        self._tokenizer: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:  # the app's search, related and index workers may all start at once
            if self._session is not None:
                return
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.export.directory / TOKENIZER_FILE))
            tokenizer.enable_truncation(max_length=self.max_tokens)
            tokenizer.no_padding()  # one text per call: nothing to pad
            self._tokenizer = tokenizer
            # ~0.1 s for the 23 MB int8 graph, ~0.25 s for the 90 MB fp32 one. One thread per
            # call: the parallelism is across texts (WORKERS), which needs no barrier between threads.
            self._session = new_session(self.export.model_file, threads=1)

    def _one(self, encoding: Any) -> np.ndarray:
        import numpy as np

        ids = np.array([encoding.ids], dtype=np.int64)
        given = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        hidden = self._session.run(None, {name: given[name] for name in self.export.status["inputs"]})[0]
        pooled = hidden[0].mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        if self._session is None:
            self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        if len(encodings) == 1 or WORKERS == 1:
            rows = [self._one(e) for e in encodings]
        else:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="embed")
            rows = list(self._pool.map(self._one, encodings))
        return np.vstack(rows).astype(np.float32, copy=False)
