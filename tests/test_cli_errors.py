"""Errors reach the user as one line and a non-zero exit, never a traceback (checked on the real entry point)."""

from __future__ import annotations

from pathlib import Path

import pytest
from entry_point import syllabus

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "args",
    [
        ["backup", "--to", "/proc"],
        ["export", "--format", "bibtex", "-o", "/proc/x.bib"],
        ["export", "--format", "json", "-o", "/proc/x.json"],
    ],
)
def test_unwritable_destinations(syllabus_home, args):
    result = syllabus(syllabus_home, *args)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        [
            "extract",
            str(REPO.parent / "shared" / "corpus" / "arxiv" / "1312.5602.pdf"),
            "--section",
            "Sections 1-99999999",
        ],
        ["show", "no-such-reading"],
        ["backup", "--to", "/nonexistent/dir"],
        ["mark", "attention", "finished"],
        ["log", "stop"],
    ],
)
def test_bad_input(syllabus_home, args):
    if args[0] == "extract" and not Path(args[1]).exists():
        pytest.skip("needs ../shared/corpus beside the checkout")
    result = syllabus(syllabus_home, *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_a_directory_where_a_file_is_expected(syllabus_home):
    result = syllabus(syllabus_home, "extract", str(REPO))
    assert result.returncode == 2 and "is a directory" in result.stderr and "Traceback" not in result.stderr
