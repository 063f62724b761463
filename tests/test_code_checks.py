"""The code checks, run by the test suite so the README's test command (and so CI) enforces them.

Each runs the tool pinned in the ``test`` extras from this virtual environment, in the repository,
with the configuration in ``pyproject.toml``, and fails with the tool's own report and the command
that reproduces (or fixes) it. Their caches (``.ruff_cache``, ``.mypy_cache``,
``.import_linter_cache``) are git-ignored: a warm run of all four takes a few seconds, a cold
one ~15 s (mypy reading numpy, textual and sentence-transformers' types).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# What mypy checks: all three packages, with one configuration (see [tool.mypy]).
TYPED_PACKAGES = ("library", "index", "reader")


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / tool
    if not exe.exists():
        pytest.fail(
            f"{tool} is not installed in {BIN.parent}: run `bash .ci/setup` (it installs the test extras)"
        )
    return subprocess.run([str(exe), *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def check(result: subprocess.CompletedProcess[str], what: str, fix: str) -> None:
    """Fail, when the tool did, with what is wrong, the tool's own words, and how to reproduce and fix it."""
    if result.returncode == 0:
        return
    command = " ".join([f".venv/bin/{Path(result.args[0]).name}", *result.args[1:]])
    output = (result.stdout + result.stderr).strip()
    pytest.fail(f"{what}\n\n{output}\n\nReproduce: {command}\n{fix}", pytrace=False)


def test_code_is_formatted_by_ruff():
    result = run("ruff", "format", "--check", "--diff", ".")
    check(result, "ruff format would change these files:", "To fix: .venv/bin/ruff format .")


def test_ruff_finds_nothing():
    result = run("ruff", "check", "--output-format=concise", ".")
    check(
        result,
        "ruff check found problems:",
        "To fix: .venv/bin/ruff check --fix . (safe fixes), then the rest by hand",
    )


def test_mypy_accepts_library_index_and_reader():
    result = run("mypy", *TYPED_PACKAGES)
    check(
        result,
        "mypy found type errors (narrow Optionals, give a changed type a new name; "
        "an ignore needs a reason, never one to reach across modules):",
        "Fix the code; `# type: ignore[code]` only where a library's types are wrong, with why.",
    )


def test_imports_keep_the_layers():
    result = run("lint-imports")
    check(
        result,
        "import-linter found an import that breaks a contract in pyproject.toml "
        "(reader -> index -> library; library and index never import textual or rich):",
        "Move the code to the layer it belongs to, or pass the data down instead of importing up.",
    )
