"""Shared fixtures. Every test gets its own SYLLABUS_HOME: no test touches real user data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
HILTON = SHARED / "curriculum" / "hilton"


@pytest.fixture(autouse=True)
def syllabus_home(tmp_path_factory, monkeypatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SYLLABUS_HOME", str(home))
    # Never reach a model hub, whatever a test does.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return home


def need(path: Path) -> Path:
    """Skip the calling test, with a reason, when the shared corpus is not beside the checkout."""
    if not path.exists():
        pytest.skip(f"needs {path} (the ../shared folder beside the checkout); not present here")
    return path


@pytest.fixture
def corpus() -> Path:
    return need(CORPUS)


@pytest.fixture
def hilton() -> Path:
    return need(HILTON)


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    """``index/onnx`` of a data home where the default model is exported to ONNX and verified.

    Made once per test run (the export takes ~20 s): under pytest-xdist the workers share one
    export in the run's common temporary folder, the first to arrive making it under a lock.
    Tests link it into their own home (the ``model`` fixture).
    """
    import fcntl

    from index import onnx_export, onnx_model
    from index.model_spec import model_spec

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "syllabus-model-cache"
    root.mkdir(exist_ok=True)
    saved = os.environ.get("SYLLABUS_HOME")
    os.environ["SYLLABUS_HOME"] = str(root)
    try:
        with open(shared / "syllabus-model-cache.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            spec = model_spec(None)
            if onnx_model.load_export(spec) is None:
                assert onnx_export.export(spec) is not None, onnx_model.export_failed(spec)
    finally:
        if saved is None:
            os.environ.pop("SYLLABUS_HOME", None)
        else:
            os.environ["SYLLABUS_HOME"] = saved
    return root / "index" / "onnx"


@pytest.fixture
def model(syllabus_home, onnx_cache):
    """The real embedding model (its ONNX export linked into this test's data home), caches reset."""
    from index import search, vectors
    from index.embed import get_embedder

    (syllabus_home / "index").mkdir(exist_ok=True)
    (syllabus_home / "index" / "onnx").symlink_to(onnx_cache, target_is_directory=True)
    vectors.forget()
    search._NOTES_CHECKED.clear()
    embedder = get_embedder(None, export=False)
    assert type(embedder).__name__ == "OnnxEmbedder"
    return embedder


@pytest.fixture
def server(monkeypatch):
    """A local HTTP server in arXiv's and the web's shapes (tests/fetch_server.py); fetch settings point at it."""
    from fetch_server import FetchServer

    srv = FetchServer()
    for key, value in srv.env().items():
        monkeypatch.setenv(key, value)
    yield srv
    srv.close()


@pytest.fixture
def run_cli(syllabus_home):
    """Run the CLI in-process; returns (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from reader.cli import cli

    def run(*args: str, input: str | None = None):
        from library.errors import SyllabusError

        runner = CliRunner()
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=True)
        if result.exception and not isinstance(result.exception, SystemExit):
            if isinstance(result.exception, SyllabusError):
                return result.exception.exit_code, result.stdout, f"error: {result.exception}\n"
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def conn():
    """A fresh connection to the test data home's database, with the search caches forgotten."""
    from index import search, vectors
    from index.db import connect

    vectors.forget()
    search._NOTES_CHECKED.clear()
    c = connect()
    yield c
    c.close()
