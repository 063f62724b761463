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
