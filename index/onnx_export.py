"""Making the ONNX export of the embedding model (once per model, and again when it is damaged).

``export`` traces the transformer with ``torch.onnx.export`` (~15 s: it loads torch) into
``model.onnx`` beside its ``tokenizer.json``, checks it against sentence-transformers on a fixed
sample of sentences (every cosine >= ``MIN_COSINE``), then quantises the weights of its matrix
products to int8 (``onnxruntime.quantization.quantize_dynamic``, per channel, ~10 s) and checks that
against the fp32 graph (>= ``INT8_MIN_COSINE``). ``status.json`` records both checks and the sha256 of every
file (``index.onnx_model`` trusts nothing else). The directory is built under a temporary name and
renamed into place, so a crash never leaves half an export.

A damaged int8 file whose fp32 source is intact is made again from it, without torch (~10 s);
anything else is exported from scratch. A failure is recorded (``<model>.failed.json``) and queries
fall back to sentence-transformers.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import warnings
from pathlib import Path
from typing import Any

from index.model_spec import ModelSpec
from index.onnx_model import (
    FORMAT,
    FP32_FILE,
    INT8_FILE,
    INT8_MIN_COSINE,
    MIN_COSINE,
    STATUS_FILE,
    TOKENIZER_FILE,
    Export,
    OnnxEmbedder,
    export_dir,
    failure_path,
    file_digest,
    intact,
    load_export,
    read_status,
)
from index.reference_model import reference_embedder
from library import atomic, paths

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
# What status.json keeps of the fp32 export when only the int8 file is made again.
_GRAPH_KEYS = ("model", "source", "fingerprint", "inputs", "max_seq_length", "pad_id", "pad_token", "dim")


def _write_json(path: Path, data: dict) -> None:
    atomic.write_text(path, json.dumps(data, indent=2))


def _min_cosine(a: Any, b: Any) -> float:
    return float((a * b).sum(axis=1).min())


def export(spec: ModelSpec) -> Export | None:
    """Export and verify ``spec``; the usable export, or None (the failure is recorded)."""
    root = paths.index_dir() / "onnx"
    root.mkdir(parents=True, exist_ok=True)
    work = root / f".{spec.slug}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        info = _reuse_fp32(spec, work) or _export_fp32(spec, work)
        info["int8"] = _quantize(spec, info, work)
        info["files"] = {
            name: file_digest(work / name)
            for name in (FP32_FILE, INT8_FILE, TOKENIZER_FILE)
            if (work / name).exists()
        }
        info.update(format=FORMAT, verified=True, sample_size=len(SAMPLE), exported_at=time.time())
        _write_json(work / STATUS_FILE, info)
        final = export_dir(spec)
        if final.exists():
            old = root / f".{spec.slug}.old-{os.getpid()}"
            os.replace(final, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(work, final)
        failure_path(spec).unlink(missing_ok=True)
        return load_export(spec)
    except Exception as exc:  # any failure: record it, queries fall back to sentence-transformers
        _write_json(
            failure_path(spec),
            {"fingerprint": spec.fingerprint(), "error": f"{type(exc).__name__}: {exc}", "at": time.time()},
        )
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _reuse_fp32(spec: ModelSpec, work: Path) -> dict | None:
    """The verified fp32 graph of the current export, copied into ``work``, when it is intact."""
    directory, status = export_dir(spec), read_status(spec)
    if status is None:  # a discarded export keeps its status aside: its fp32 file is suspect too
        return None
    if status.get("format") != FORMAT or status.get("fingerprint") != spec.fingerprint():
        return None
    if "min_cosine" not in (status.get("fp32") or {}):
        return None
    if not (intact(directory, status, FP32_FILE) and intact(directory, status, TOKENIZER_FILE)):
        return None
    for name in (FP32_FILE, TOKENIZER_FILE):
        shutil.copyfile(directory / name, work / name)
    return {key: status[key] for key in _GRAPH_KEYS} | {"fp32": status["fp32"]}


def _export_fp32(spec: ModelSpec, work: Path) -> dict:
    reference = reference_embedder(spec)
    with warnings.catch_warnings():
        # The tracer's warnings are about branches that do not apply to inference; the
        # verification below is what tells whether the graph is right.
        warnings.simplefilter("ignore")
        info = _export_transformer(spec, reference.model, work)
    fp32 = Export(spec, info | {"fp32": {"min_cosine": 1.0}}, work, "fp32")
    cosine = _min_cosine(OnnxEmbedder(fp32).embed(SAMPLE), reference.embed(SAMPLE))
    if cosine < MIN_COSINE:
        raise RuntimeError(f"ONNX export disagrees with sentence-transformers (min cosine {cosine:.5f})")
    info["fp32"] = {"min_cosine": cosine, "against": "sentence-transformers"}
    return info


def _quantize(spec: ModelSpec, info: dict, work: Path) -> dict:
    """Make and check ``model-int8.onnx``; what status.json says of it (an "error" if it is not usable)."""
    try:
        # ~1 s to import (onnx and the quantisation tools); only when an export is made.
        from onnxruntime.quantization import QuantType, quantize_dynamic

        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)  # it advises "pre-processing" on the root logger; not for us
        try:
            # MatMul only: quantising the token embeddings too (its default also takes Gather) saves
            # memory, not time, and cost 3 of 112 benchmark questions their answer in the top 5.
            quantize_dynamic(
                work / FP32_FILE,
                work / INT8_FILE,
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
            )
        finally:
            logging.disable(previous)
        int8 = Export(spec, info | {"int8": {"min_cosine": 1.0}}, work, "int8")
        fp32 = Export(spec, info, work, "fp32")
        cosine = _min_cosine(OnnxEmbedder(int8).embed(SAMPLE), OnnxEmbedder(fp32).embed(SAMPLE))
        if cosine < INT8_MIN_COSINE:
            raise RuntimeError(f"int8 weights disagree with fp32 (min cosine {cosine:.4f})")
        return {"min_cosine": cosine, "against": "fp32"}
    except Exception as exc:  # fp32 still serves; status.json says why int8 does not
        (work / INT8_FILE).unlink(missing_ok=True)
        return {"error": f"{type(exc).__name__}: {exc}"}


def _export_transformer(spec: ModelSpec, st_model: Any, directory: Path) -> dict:
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
            str(directory / FP32_FILE),
            input_names=inputs,
            output_names=["hidden"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    tokenizer.backend_tokenizer.save(str(directory / TOKENIZER_FILE))
    return {
        "model": spec.name,
        "source": spec.source,
        "fingerprint": spec.fingerprint(),
        "inputs": inputs,
        "max_seq_length": int(st_model.max_seq_length),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": tokenizer.pad_token or "[PAD]",
        "dim": int(transformer.config.hidden_size),
    }
