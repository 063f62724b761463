"""An ONNX export of the embedding model, so queries need neither torch nor sentence-transformers.

``export`` runs once per model (~15 s: it loads torch): the transformer is traced with
``torch.onnx.export`` into ``index_dir()/onnx/<model>/model.onnx`` beside its ``tokenizer.json``;
mean pooling and L2 normalisation are done here in numpy, as sentence-transformers does them.
The export is checked against sentence-transformers on a fixed sample of sentences and is
used only if every cosine is >= :data:`MIN_COSINE`; the result is stored in ``status.json``
(with a fingerprint of the weights, so a changed model is exported again). The directory is
built under a temporary name and renamed into place, so a crash never leaves half an export.

:class:`OnnxEmbedder` needs only onnxruntime (~0.15 s to import), ``tokenizers`` and numpy.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from library import atomic, paths

if TYPE_CHECKING:
    import numpy as np
    from tokenizers import Tokenizer

    from index.embed import ModelSpec

MIN_COSINE = 0.999
FORMAT = 1

# Our own sentences, short and long (the long one checks truncation agrees too).
SAMPLE = [
    "Syllabus keeps notes next to the papers they are about.",
    "Why do transformers divide the dot products by a constant before the softmax?",
    "The learning rate is warmed up linearly and then decays with the inverse square root of the step.",
    "Policy gradient methods clip the probability ratio to keep updates small.",
    "A short one.",
    "Größere Modelle lernen schneller pro Beispiel — sagt man.",
    "Residual connections let gradients flow through very deep networks without vanishing.",
    "lottery tickets: sparse subnetworks that train to full accuracy from their original initialisation",
    " ".join(["Scaling the batch size changes the optimal learning rate in a predictable way."] * 40),
]


def export_dir(spec: ModelSpec) -> Path:
    return paths.index_dir() / "onnx" / spec.slug


def _failure_path(spec: ModelSpec) -> Path:
    return paths.index_dir() / "onnx" / f"{spec.slug}.failed.json"


def read_status(spec: ModelSpec) -> dict | None:
    try:
        return json.loads((export_dir(spec) / "status.json").read_text())
    except (OSError, ValueError):
        return None


def verified_export(spec: ModelSpec) -> dict | None:
    """The stored verification of a usable export of ``spec``, or None."""
    status = read_status(spec)
    if not status or not status.get("verified") or status.get("format") != FORMAT:
        return None
    if status.get("fingerprint") != spec.fingerprint():
        return None
    if not (export_dir(spec) / "model.onnx").is_file() or not (export_dir(spec) / "tokenizer.json").is_file():
        return None
    return status


def export_failed(spec: ModelSpec) -> dict | None:
    """A recorded failed export of these very weights (not retried on every query)."""
    try:
        failure = json.loads(_failure_path(spec).read_text())
    except (OSError, ValueError):
        return None
    return failure if failure.get("fingerprint") == spec.fingerprint() else None


def _write_json(path: Path, data: dict) -> None:
    atomic.write_text(path, json.dumps(data, indent=2))


def export(spec: ModelSpec) -> dict | None:
    """Export and verify ``spec``; returns the stored status when usable, else None (failure recorded)."""
    from index.embed import reference_embedder

    root = paths.index_dir() / "onnx"
    root.mkdir(parents=True, exist_ok=True)
    work = root / f".{spec.slug}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        reference = reference_embedder(spec)
        with warnings.catch_warnings():
            # The tracer's warnings are about branches that do not apply to inference; the
            # verification below is what tells whether the graph is right.
            warnings.simplefilter("ignore")
            info = _export_transformer(spec, reference.model, work)
        onnx_vectors = OnnxEmbedder(spec, info, directory=work).embed(SAMPLE)
        st_vectors = reference.embed(SAMPLE)
        cosines = (onnx_vectors * st_vectors).sum(axis=1)
        info.update(
            verified=bool(cosines.min() >= MIN_COSINE),
            min_cosine=float(cosines.min()),
            sample_size=len(SAMPLE),
            exported_at=time.time(),
        )
        _write_json(work / "status.json", info)
        if not info["verified"]:
            raise RuntimeError(
                f"ONNX export disagrees with sentence-transformers (min cosine {info['min_cosine']:.5f})"
            )
        final = export_dir(spec)
        if final.exists():
            old = root / f".{spec.slug}.old-{os.getpid()}"
            os.replace(final, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(work, final)
        _failure_path(spec).unlink(missing_ok=True)
        return info
    except Exception as exc:  # any failure: record it, queries fall back to sentence-transformers
        _write_json(
            _failure_path(spec),
            {
                "fingerprint": spec.fingerprint(),
                "error": f"{type(exc).__name__}: {exc}",
                "at": time.time(),
            },
        )
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _export_transformer(spec: ModelSpec, st_model, directory: Path) -> dict:
    """Trace the transformer (no pooling) into ``directory``; returns what the runtime needs to know."""
    # torch is already imported by sentence-transformers at this point; transformers too.
    import torch
    from transformers import AutoModel

    pooling = st_model[1].get_config_dict() if len(st_model) > 1 else {}
    mean = pooling.get("pooling_mode_mean_tokens") or pooling.get("pooling_mode") == "mean"
    if not mean or any(
        v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    ):
        raise RuntimeError(f"only mean pooling is exported; this model uses {pooling}")
    tokenizer = st_model.tokenizer
    inputs = [
        n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tokenizer.model_input_names
    ]
    # Eager attention traces to plain ONNX ops; the SDPA path records Python-side branches.
    transformer = AutoModel.from_pretrained(spec.source, attn_implementation="eager").eval()

    class Wrapped(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *args):
            return self.model(**dict(zip(inputs, args, strict=False))).last_hidden_state

    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in inputs)
    axes = {name: {0: "batch", 1: "tokens"} for name in inputs}
    axes["hidden"] = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            Wrapped(transformer),
            example,
            str(directory / "model.onnx"),
            input_names=inputs,
            output_names=["hidden"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    tokenizer.backend_tokenizer.save(str(directory / "tokenizer.json"))
    return {
        "format": FORMAT,
        "model": spec.name,
        "source": spec.source,
        "fingerprint": spec.fingerprint(),
        "inputs": inputs,
        "max_seq_length": int(st_model.max_seq_length),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": tokenizer.pad_token or "[PAD]",
        "dim": int(transformer.config.hidden_size),
    }


class OnnxEmbedder:
    """all the model's vectors, from onnxruntime: same numbers as sentence-transformers to ~1e-6."""

    def __init__(self, spec: ModelSpec, status: dict, *, directory: Path | None = None, batch_size: int = 32):
        self.spec = spec
        self.name = spec.name
        self.dim = int(status["dim"])
        self.status = status
        self.directory = directory or export_dir(spec)
        self.batch_size = batch_size
        # Loaded on the first embed (onnxruntime ships no type information: the session is Any).
        self._session: Any = None
        self._tokenizer: Tokenizer | None = None

    def _load(self) -> tuple[Any, Tokenizer]:
        """The inference session and the tokenizer, loaded once."""
        if self._session is not None and self._tokenizer is not None:
            return self._session, self._tokenizer
        # ~0.15 s to import onnxruntime, ~0.25 s to load the 90 MB graph; no torch anywhere.
        from tokenizers import Tokenizer

        from index.private_runtime import import_onnxruntime

        onnxruntime = import_onnxruntime()

        tokenizer = Tokenizer.from_file(str(self.directory / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=self.status["max_seq_length"])
        tokenizer.enable_padding(pad_id=self.status["pad_id"], pad_token=self.status["pad_token"])
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: indexing runs beside the app (and other
        # programs); spinning measured slower here whenever the two cores were shared.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(
            str(self.directory / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._session, self._tokenizer = session, tokenizer
        return session, tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        session, tokenizer = self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batches of similar length waste less work on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in chosen])
            feeds = {}
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            for name in self.status["inputs"]:
                if name == "input_ids":
                    feeds[name] = np.array([e.ids for e in encodings], dtype=np.int64)
                elif name == "attention_mask":
                    feeds[name] = mask
                else:
                    feeds[name] = np.array([e.type_ids for e in encodings], dtype=np.int64)
            hidden = session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[chosen] = pooled
        return out
